import { DataSource } from 'typeorm';
import { loadConfig } from '../config/app-config.js';
import { dataSourceOptions } from './data-source-options.js';

/** Standalone data source for the TypeORM CLI (migration:generate, migration:revert). */
export default new DataSource(dataSourceOptions(loadConfig().env.DATABASE_URL));
