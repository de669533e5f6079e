import { Controller, Get, Inject } from '@nestjs/common';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { Redis } from 'ioredis';
import { Public } from '../auth/decorators.js';
import { REDIS } from '../core/redis/redis.module.js';
import { AuditService } from '../audit/audit.service.js';
import { SchedulerStatus } from '../scheduling/scheduler-status.js';
import { HealthResponse } from './health.response.js';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly scheduler: SchedulerStatus,
    private readonly audit: AuditService,
  ) {}

  @Get()
  @Public()
  @ApiOkResponse({ type: HealthResponse })
  @ApiServiceUnavailableResponse({
    description: 'A backing service is down: message names it, details[0] holds the whole report',
  })
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  @ApiOperation({
    summary:
      'PostgreSQL, Redis, the re-review scheduler and the audit sealer: 200 when all answer (scheduler late, or audit backlog over AUDIT_BACKLOG_LIMIT or no sealer = degraded), 503 otherwise (no login)',
  })
  check() {
    return this.health.check([
      () => this.database.pingCheck('database').withTimeout(1500),
      () =>
        this.indicators
          .check('redis')
          .attempt(async () => {
            await this.redis.ping();
          })
          .withTimeout(1500),
      async () => {
        const session = this.indicators.check('scheduler');
        try {
          const status = await this.scheduler.check();
          if (!status.registered)
            return session.down({
              ...status,
              message: 'the re-review sweep is not registered; start a worker',
            });
          return status.late
            ? session.degraded({ ...status, message: 'the re-review sweep has not run recently' })
            : session.up({ ...status });
        } catch (error) {
          return session.down({ message: (error as Error).message });
        }
      },
      async () => {
        const session = this.indicators.check('audit');
        try {
          const backlog = await this.audit.backlog();
          if (backlog.exceeded)
            return session.degraded({
              ...backlog,
              message: `${backlog.unsealed} audit events wait to be sealed (more than AUDIT_BACKLOG_LIMIT)`,
            });
          if (!backlog.sealerRunning)
            return session.degraded({
              ...backlog,
              message: 'no worker process is sealing the audit trail; start a worker',
            });
          return session.up({ ...backlog });
        } catch (error) {
          return session.down({ message: (error as Error).message });
        }
      },
    ]);
  }
}
