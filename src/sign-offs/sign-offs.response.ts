import { ApiProperty } from '@nestjs/swagger';

export class SignOffReviewerResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'Alan Lucks' }) displayName!: string;
  @ApiProperty({ example: 'MD' }) credentials!: string;
  @ApiProperty({ example: 'Alan Lucks MDPC Private Practice - New York' }) affiliation!: string;
}

export class SignOffResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) articleId!: string;
  @ApiProperty({ description: 'The revision signed' }) revision!: number;
  @ApiProperty({ description: 'SHA-256 of the signed revision' }) contentHash!: string;
  @ApiProperty({ type: SignOffReviewerResponse }) reviewer!: SignOffReviewerResponse;
  @ApiProperty({ example: 'medical review' }) meaning!: string;
  @ApiProperty({ format: 'date-time' }) signedAt!: Date;
  @ApiProperty({
    example:
      'Medically reviewed by Alan Lucks, MD, Alan Lucks MDPC Private Practice - New York on January 10th, 2026',
  })
  byline!: string;
}

export class SignOffVerificationResponse {
  @ApiProperty({ format: 'uuid' }) signOffId!: string;
  @ApiProperty({ format: 'uuid' }) articleId!: string;
  @ApiProperty() revision!: number;
  @ApiProperty({ description: 'The hash that was signed' }) signedHash!: string;
  @ApiProperty({ type: String, nullable: true, description: 'null when the revision no longer exists' })
  storedRevisionHash!: string | null;
  @ApiProperty({ type: String, nullable: true }) recomputedHash!: string | null;
  @ApiProperty() valid!: boolean;
  @ApiProperty({ example: 'The signed revision is unchanged since it was signed' }) reason!: string;
}
