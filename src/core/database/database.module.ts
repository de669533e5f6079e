import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../config/app-config.js';
import { dataSourceOptions } from './data-source-options.js';
import { LocalWrites } from './local-writes.js';
import { RowChangeListener } from './row-change-listener.js';

/** Migrations are not run here but in `createApp`, under an advisory lock, before any module starts. */
@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => dataSourceOptions(config.env.DATABASE_URL),
    }),
  ],
  providers: [RowChangeListener, LocalWrites],
  exports: [RowChangeListener],
})
export class DatabaseModule {}
