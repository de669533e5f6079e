// Unit tests sit next to the code (src/ and bench/ *.spec.ts); e2e tests drive the real HTTP API (test/ *.e2e-spec.ts).
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
      keepClassNames: true,
    },
    module: { type: 'es6' },
    sourceMaps: 'inline',
  },
];

// ESM-only packages that CommonJS dependencies require(); Jest on Node 20 cannot require() ESM, so compile them.
const requiredEsm = [
  'content-disposition',
  'cookie',
  'file-type',
  'htmlparser2',
  'domhandler',
  'domutils',
  'dom-serializer',
  'domelementtype',
  'entities',
  'nanoid',
];
const toCommonJs = ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }];

/** What every project shares: TypeScript through swc as ES modules, `.js` import specifiers mapped to sources. */
const project = (displayName, testMatch) => ({
  displayName,
  testEnvironment: 'node',
  rootDir: import.meta.dirname,
  testMatch: [testMatch].flat(),
  transform: { '^.+\\.ts$': swc, [`/node_modules/(${requiredEsm.join('|')})/.+\\.js$`]: toCommonJs },
  transformIgnorePatterns: [`/node_modules/(?!(${requiredEsm.join('|')})/)`],
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
});

/** Tests that boot the application against real services share one migrated template database per run. */
const withServices = (displayName, testMatch) => ({
  ...project(displayName, testMatch),
  globalSetup: '<rootDir>/test/utils/global-setup.js',
  globalTeardown: '<rootDir>/test/utils/global-teardown.js',
  slowTestThreshold: 30,
});

export default {
  testTimeout: 60000,
  // The ESM sandbox (--experimental-vm-modules) keeps every test file's module graph alive: run in band, the one
  // process grew past 1.7 GB within ten minutes of the main run, and late files (the demo) slowed until a
  // 60-second hook ran out. With a limit, Jest runs the files in a worker and starts a fresh one once a file
  // leaves it above this size. (--runInBand, as test:faults uses, keeps the files in one process regardless.)
  workerIdleMemoryLimit: '1200MB',
  projects: [
    // The benchmarks' own logic (bench/lib) is unit-tested next to it too.
    project('unit', ['<rootDir>/src/**/*.spec.ts', '<rootDir>/bench/**/*.spec.ts']),
    withServices('e2e', '<rootDir>/test/**/*.e2e-spec.ts'),
    withServices('security', '<rootDir>/test/security/**/*.security-spec.ts'),
    withServices('faults', '<rootDir>/test/faults/**/*.fault-spec.ts'),
  ],
};
