import { ApiProperty } from '@nestjs/swagger';

export class ScheduleCancelledResponse {
  @ApiProperty({ format: 'uuid' }) articleId!: string;
  @ApiProperty({ enum: [true] }) cancelled!: true;
  @ApiProperty({ format: 'date-time', description: 'When it would have published' }) publishAt!: string;
}

export class PublicationRecordView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) articleId!: string;
  @ApiProperty({ enum: ['publish', 'unpublish', 'rerender'] }) action!: string;
  @ApiProperty() revisionNumber!: number;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) signOffId!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'SHA-256 of the HTML' }) htmlChecksum!:
    string | null;
  @ApiProperty({ example: 'directory', description: "'site', 'directory' or a webhook URL" }) target!: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) actorId!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: Date;
}

export class WebhookDeliveryView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) articleId!: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) publicationId!: string | null;
  @ApiProperty() url!: string;
  @ApiProperty({ enum: ['publish', 'unpublish'] }) event!: string;
  @ApiProperty({ enum: ['pending', 'delivered', 'failed', 'superseded'] }) status!: string;
  @ApiProperty() attempts!: number;
  @ApiProperty({ type: Number, nullable: true }) responseStatus!: number | null;
  @ApiProperty({ type: String, nullable: true }) lastError!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) deliveredAt!: Date | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: Date;
  @ApiProperty({ format: 'date-time' }) updatedAt!: Date;
}

export class PublicationHistoryResponse {
  @ApiProperty({ type: [PublicationRecordView] }) publications!: PublicationRecordView[];
  @ApiProperty({ type: [WebhookDeliveryView] }) webhookDeliveries!: WebhookDeliveryView[];
}
