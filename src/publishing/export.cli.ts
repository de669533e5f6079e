import 'reflect-metadata';
import { SingleBar } from 'cli-progress';
import { DataSource } from 'typeorm';
import { ConfigError, getConfig } from '../core/config/app-config.js';
import { dataSourceOptions } from '../core/database/data-source-options.js';
import { ensureDatabase } from '../core/database/ensure-database.js';
import { runMigrationsWithLock } from '../core/database/migrate.js';
import type { ExportSummary } from './directory-export.types.js';
import { exportInChildProcess } from './export-process.js';

const USAGE = `Usage: npm run export [-- --incremental | --force]

Re-exports every live page to PUBLISH_DIR (<slug>/index.html, assets/, sitemap.xml).
  (default)      render every live page again and write each one the directory does not already hold
  --incremental  decide from the stored checksums alone: write only what changed since the last export
  --force        render and rewrite every page`;

function summaryLines(summary: ExportSummary): string[] {
  const row = (label: string, value: string | number) => `  ${label.padEnd(22)} ${value}`;
  return [
    `Exported to ${summary.directory} (${summary.mode}) in ${(summary.durationMs / 1000).toFixed(1)} s`,
    row('live pages', summary.livePages),
    row('rendered', summary.rendered),
    row('changed since last', summary.changed),
    row('written', summary.written),
    row('unchanged, skipped', summary.unchanged),
    row('removed', summary.removed),
    row('assets written', summary.assetsWritten),
    row('sitemap.xml', summary.sitemapWritten ? 'written' : 'unchanged'),
    row('leftovers cleaned', summary.leftoversRemoved),
    ...summary.failed.map((failure) => row(`FAILED ${failure.slug}`, failure.reason)),
  ];
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.some((arg) => !['--incremental', '--force'].includes(arg))) {
    console.error(USAGE);
    process.exit(2);
  }
  process.env.LOG_LEVEL ??= 'warn';
  const config = getConfig();
  await ensureDatabase(config.env.DATABASE_URL);
  if (config.env.RUN_MIGRATIONS) {
    // Before the application starts: its start-up hooks need the schema.
    const dataSource = await new DataSource(dataSourceOptions(config.env.DATABASE_URL)).initialize();
    await runMigrationsWithLock(dataSource).finally(() => dataSource.destroy());
  }
  const bar = new SingleBar({
    format: ' {bar} {percentage}% | {value}/{total} pages | {phase}',
    hideCursor: true,
    noTTYOutput: true,
    notTTYSchedule: 5000,
  });
  let started = false;
  // The export runs in a process of its own, with a capped heap (export-process.ts); this one shows its progress.
  const { summary } = await exportInChildProcess(
    {
      mode: args.includes('--incremental') ? 'incremental' : 'full',
      force: args.includes('--force'),
      trigger: 'cli',
    },
    {
      onProgress: ({ phase, done, total }) => {
        if (!started) {
          bar.start(total, 0, { phase });
          started = true;
        }
        bar.setTotal(total);
        bar.update(done, { phase });
      },
    },
  );
  if (started) bar.stop();
  console.log(summaryLines(summary).join('\n'));
  if (summary.failed.length) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : `Export failed: ${(error as Error).message}`);
  process.exit(1);
});
