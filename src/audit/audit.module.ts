import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { whenWorker } from '../core/queues/worker-role.js';
import { AuditCheckpoint } from './audit-checkpoint.entity.js';
import { AuditCheckpointFiles } from './audit-checkpoint-files.js';
import { AuditEvent } from './audit-event.entity.js';
import { AuditSealer } from './audit-sealer.js';
import { AuditController } from './audit.controller.js';
import { AuditService } from './audit.service.js';

@Global()
@Module({
  imports: [TypeOrmModule.forFeature([AuditEvent, AuditCheckpoint])],
  controllers: [AuditController],
  providers: [AuditService, AuditCheckpointFiles, ...whenWorker(AuditSealer)],
  exports: [AuditService],
})
export class AuditModule {}
