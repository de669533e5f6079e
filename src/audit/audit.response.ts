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
  @ApiProperty({ description: 'Hash of the previous event (64 zeros for the first)' }) prevHash!: string;
  @ApiProperty({ description: 'SHA-256 of this event and prevHash' }) hash!: string;
}

export class BrokenLinkResponse {
  @ApiProperty() id!: string;
  @ApiProperty() reason!: string;
}

export class AuditChainReportResponse {
  @ApiProperty() valid!: boolean;
  @ApiProperty({ description: 'Events checked' }) checked!: number;
  @ApiProperty({ type: BrokenLinkResponse, nullable: true }) firstBroken!: BrokenLinkResponse | null;
}
