// Unit tests sit next to the code (src/ *.spec.ts); e2e tests drive the real HTTP API (test/ *.e2e-spec.ts).
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

export default {
  testTimeout: 60000,
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      rootDir: import.meta.dirname,
      testMatch: ['<rootDir>/src/**/*.spec.ts'],
      transform: { '^.+\\.ts$': swc, [`/node_modules/(${requiredEsm.join('|')})/.+\\.js$`]: toCommonJs },
      transformIgnorePatterns: [`/node_modules/(?!(${requiredEsm.join('|')})/)`],
      extensionsToTreatAsEsm: ['.ts'],
      moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
    },
    {
      displayName: 'e2e',
      testEnvironment: 'node',
      rootDir: import.meta.dirname,
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      transform: { '^.+\\.ts$': swc, [`/node_modules/(${requiredEsm.join('|')})/.+\\.js$`]: toCommonJs },
      transformIgnorePatterns: [`/node_modules/(?!(${requiredEsm.join('|')})/)`],
      extensionsToTreatAsEsm: ['.ts'],
      moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
      globalSetup: '<rootDir>/test/utils/global-setup.js',
      globalTeardown: '<rootDir>/test/utils/global-teardown.js',
      slowTestThreshold: 30,
    },
    {
      displayName: 'faults',
      testEnvironment: 'node',
      rootDir: import.meta.dirname,
      testMatch: ['<rootDir>/test/faults/**/*.fault-spec.ts'],
      transform: { '^.+\\.ts$': swc, [`/node_modules/(${requiredEsm.join('|')})/.+\\.js$`]: toCommonJs },
      transformIgnorePatterns: [`/node_modules/(?!(${requiredEsm.join('|')})/)`],
      extensionsToTreatAsEsm: ['.ts'],
      moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
      globalSetup: '<rootDir>/test/utils/global-setup.js',
      globalTeardown: '<rootDir>/test/utils/global-teardown.js',
      slowTestThreshold: 30,
    },
  ],
};
