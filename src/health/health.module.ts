import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { SchedulingModule } from '../scheduling/scheduling.module.js';
import { HealthController } from './health.controller.js';

@Module({
  imports: [TerminusModule.forRoot({ logger: false, gracefulShutdownTimeoutMs: 0 }), SchedulingModule],
  controllers: [HealthController],
})
export class HealthModule {}
