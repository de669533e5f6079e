import { ApiProperty } from '@nestjs/swagger';

const INDICATORS: { type: 'object'; additionalProperties: Record<string, unknown> } = {
  type: 'object',
  additionalProperties: {
    type: 'object',
    required: ['status'],
    properties: { status: { type: 'string', enum: ['up', 'degraded', 'down'] } },
    additionalProperties: true,
  },
};

/** What /health answers when every backing service answers (a late scheduler is `degraded`, still 200). */
export class HealthResponse {
  @ApiProperty({ enum: ['ok', 'degraded'], example: 'ok' }) status!: string;
  @ApiProperty({
    ...INDICATORS,
    nullable: true,
    description: 'The indicators that are up (or degraded), by name: database, redis, scheduler, audit',
    example: { database: { status: 'up' }, redis: { status: 'up' } },
  })
  info!: Record<string, unknown> | null;
  @ApiProperty({ ...INDICATORS, nullable: true, description: 'The indicators that are down, by name' })
  error!: Record<string, unknown> | null;
  @ApiProperty({ ...INDICATORS, description: 'Every indicator, by name' })
  details!: Record<string, unknown>;
}
