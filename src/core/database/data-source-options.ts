import type { DataSourceOptions } from 'typeorm';
import { ENTITIES, MIGRATIONS } from './schema.js';
import { SnakeNamingStrategy } from './snake-naming.strategy.js';

/** One place that says how TypeORM reaches PostgreSQL: used by the app, the CLI data source and the tests. */
export function dataSourceOptions(databaseUrl: string): DataSourceOptions {
  return {
    type: 'postgres',
    url: databaseUrl,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    namingStrategy: new SnakeNamingStrategy(),
    synchronize: false,
    migrationsRun: false,
    extra: { max: 20, connectionTimeoutMillis: 5000 },
  };
}
