import { DataSource } from 'typeorm';
import { loadConfig } from '../config/app-config.js';
import { dataSourceOptions } from './data-source-options.js';
import { ensureDatabase } from './ensure-database.js';
import { runMigrationsWithLock } from './migrate.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const created = await ensureDatabase(config.env.DATABASE_URL);
  if (created) console.log('created database');
  const dataSource = await new DataSource(dataSourceOptions(config.env.DATABASE_URL)).initialize();
  try {
    const applied = await runMigrationsWithLock(dataSource);
    console.log(
      applied.length ? `applied ${applied.map((m) => m.name).join(', ')}` : 'no pending migrations',
    );
  } finally {
    await dataSource.destroy();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
