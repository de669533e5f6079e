import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runDemoWorkflow } from '../src/cli/demo-workflow.js';
import { createTestApp, type TestApp } from './utils/test-app.js';
import { ADMIN } from './utils/test-env.js';

describe('npm run demo: the whole workflow through the HTTP API', () => {
  let t: TestApp;
  const dir = mkdtempSync(join(tmpdir(), 'mrs-demo-'));
  const mailDir = join(dir, 'mail');
  const publishDir = join(dir, 'publish');

  beforeAll(async () => {
    t = await createTestApp({
      realClock: true,
      env: {
        MAIL_DIR: mailDir,
        PUBLISH_DIR: publishDir,
        REVIEW_CADENCE: 'PT20S',
        REMINDER_OFFSETS: 'PT10S',
        OVERDUE_REMINDER_EVERY: 'PT10S',
        SWEEP_EVERY: 'PT1S',
        SWEEP_WINDOW: 'PT2S',
      },
    });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('drafts, reviews, signs, publishes, exports and sends the re-review reminder', async () => {
    const { port } = t.app.getHttpServer().address() as AddressInfo;
    const lines: string[] = [];
    const result = await runDemoWorkflow({
      baseUrl: `http://127.0.0.1:${port}`,
      adminEmail: ADMIN.email,
      adminPassword: ADMIN.password,
      seedFile: resolve('test/fixtures/seed-article.json'),
      mailDir,
      publishDir,
      reminderTimeoutMs: 45_000,
      log: (line) => lines.push(line),
    });
    expect(lines.length).toBeGreaterThan(10);
    expect(result.byline).toMatch(
      /^Medically reviewed by Alan Lucks, MD, Alan Lucks MDPC Private Practice - New York on \w+ \d+(st|nd|rd|th), \d{4}$/,
    );
    const page = readFileSync(result.exportedFile, 'utf8');
    expect(page).toContain('Alan Lucks');
    expect(page).toContain('Is baclofen addictive?');
    expect(existsSync(result.reminderEmail)).toBe(true);
    expect(readFileSync(result.reminderEmail, 'utf8')).toMatch(/^To: .*alan\.lucks@demo\.example/m);
  });
});
