import { ApiProperty } from '@nestjs/swagger';

export class AuditEventResponse {
  @ApiProperty({
    description: 'Increasing sequence number (a bigint, as a string); pass as cursor',
    example: '42',
  })
  id!: string;
  @ApiProperty({ format: 'date-time' }) occurredAt!: Date;
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'null for the system' })
  actorId!: string | null;
  @ApiProperty({ example: 'article.submitted' }) action!: string;
  @ApiProperty({ example: 'article' }) entityType!: string;
  @ApiProperty() entityId!: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) articleId!: string | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'The state before',
  })
  before!: unknown;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true, description: 'The state after' })
  after!: unknown;
  @ApiProperty({
    type: String,
    nullable: true,
    description:
      'Place in the hash chain (a bigint, as a string); null until the sealer has sealed the event',
    example: '41',
  })
  seq!: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Hash of the previous event in the chain (64 zeros for the first); null until sealed',
  })
  prevHash!: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'SHA-256 of this event, its id and seq, and prevHash; null until sealed',
  })
  hash!: string | null;
}

export class BrokenLinkResponse {
  @ApiProperty() id!: string;
  @ApiProperty() reason!: string;
}

export class AuditCheckpointCountsResponse {
  @ApiProperty({ description: 'Signed checkpoints in the database (one per sealed batch)' })
  database!: number;
  @ApiProperty({ description: 'Checkpoints in the append-only checkpoint file (AUDIT_CHECKPOINT_DIR)' })
  files!: number;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'seq of the chain head the last checkpoint signs',
  })
  lastSeq!: string | null;
}

export class AuditChainReportResponse {
  @ApiProperty({
    description:
      'Whether the sealed chain links, every checkpoint is signed with AUDIT_KEY, and the checkpoint files agree',
  })
  valid!: boolean;
  @ApiProperty({ description: 'Sealed events checked' }) checked!: number;
  @ApiProperty({
    type: BrokenLinkResponse,
    nullable: true,
    description: 'The first thing that does not hold: an event id, or "checkpoint <seq>"',
  })
  firstBroken!: BrokenLinkResponse | null;
  @ApiProperty({ description: 'Events recorded but not sealed yet' }) unsealed!: number;
  @ApiProperty({
    description: 'AUDIT_BACKLOG_LIMIT: more unsealed events and /health reports the trail degraded',
  })
  backlogLimit!: number;
  @ApiProperty({ type: AuditCheckpointCountsResponse }) checkpoints!: AuditCheckpointCountsResponse;
}
