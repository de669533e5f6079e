import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { SingleBar } from 'cli-progress';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DataSource } from 'typeorm';
import { ConfigError, getConfig } from '../core/config/app-config.js';
import { dataSourceOptions } from '../core/database/data-source-options.js';
import { ensureDatabase } from '../core/database/ensure-database.js';
import { runMigrationsWithLock } from '../core/database/migrate.js';
import { reportTable } from './import-report.js';
import { collectSourceFiles } from './source-files.js';

const USAGE = `Usage: npm run import -- <file|folder>... [--dry-run] [--publish] [--as <email>] [--specialty <name>] [--report <file.json>]

Imports published articles with their review history: HTML pages, Markdown with YAML front matter, WordPress
WXR exports (.xml), ArticleContent JSON with a review block, and plain text copies of pages (.txt).
  --dry-run          parse, check and report; write nothing
  --publish          publish each complete article on the strength of its attested review (else: drafts)
  --as <email>       the admin or editor the import acts as (default: ADMIN_EMAIL)
  --specialty <name> specialty of sources that name none (default: general)
  --report <file>    where the JSON report goes (default: var/imports/import-<time>.json)`;

interface CliOptions {
  paths: string[];
  dryRun: boolean;
  publish: boolean;
  as: string | null;
  specialty: string | undefined;
  report: string | null;
}

function parseArgs(args: string[]): CliOptions | null {
  const options: CliOptions = {
    paths: [],
    dryRun: false,
    publish: false,
    as: null,
    specialty: undefined,
    report: null,
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--dry-run') options.dryRun = true;
    else if (arg === '--publish') options.publish = true;
    else if (arg === '--as' || arg === '--specialty' || arg === '--report') {
      const value = args[++i];
      if (!value) return null;
      if (arg === '--as') options.as = value;
      else if (arg === '--specialty') options.specialty = value;
      else options.report = value;
    } else if (arg.startsWith('--')) return null;
    else options.paths.push(arg);
  }
  return options.paths.length ? options : null;
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  if (!options) {
    console.error(USAGE);
    process.exit(2);
  }
  const files = collectSourceFiles(options.paths);
  process.env.APP_ROLE = 'api';
  process.env.LOG_LEVEL ??= 'warn';
  const config = getConfig();
  await ensureDatabase(config.env.DATABASE_URL);
  if (config.env.RUN_MIGRATIONS) {
    const dataSource = await new DataSource(dataSourceOptions(config.env.DATABASE_URL)).initialize();
    await runMigrationsWithLock(dataSource).finally(() => dataSource.destroy());
  }
  const { AppModule } = await import('../app.module.js');
  const { ImportsService } = await import('./imports.service.js');
  const { UsersRepository } = await import('../users/users.repository.js');
  const app = await NestFactory.createApplicationContext(AppModule, { logger: ['error', 'warn'] });
  try {
    const email = options.as ?? config.env.ADMIN_EMAIL;
    const user = await app.get(UsersRepository).findByEmailWithPasswordHash(email);
    if (!user?.active || !user.roles.some((role) => role === 'admin' || role === 'editor')) {
      throw new Error(`${email} is not an active admin or editor; pass --as <email> of one`);
    }
    const bar = new SingleBar({
      format: ' {bar} {percentage}% | {value}/{total} files',
      hideCursor: true,
      noTTYOutput: true,
      notTTYSchedule: 5000,
    });
    bar.start(files.length, 0);
    const report = await app
      .get(ImportsService)
      .run(
        { id: user.id, email: user.email, name: user.name, roles: user.roles },
        files,
        { dryRun: options.dryRun, publish: options.publish, defaultSpecialty: options.specialty },
        (done) => bar.update(done),
      );
    bar.stop();
    const reportFile = resolve(
      options.report ?? `var/imports/import-${report.startedAt.replace(/[:.]/g, '-')}.json`,
    );
    mkdirSync(dirname(reportFile), { recursive: true });
    writeFileSync(reportFile, `${JSON.stringify(report, null, 2)}\n`);
    console.log(reportTable(report));
    console.log(`\nJSON report: ${reportFile}`);
    if (report.totals.refused) process.exitCode = 1;
  } finally {
    await app.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : `Import failed: ${(error as Error).message}`);
  process.exit(1);
});
