import { ApiProperty } from '@nestjs/swagger';
import { ARTICLE_STATUSES } from '../articles/article.entity.js';

export class ArticleReviewPolicyResponse {
  @ApiProperty({ format: 'uuid' }) articleId!: string;
  @ApiProperty({ example: 'P3Y', description: 'The cadence in force, wherever it comes from' })
  cadence!: string;
  @ApiProperty({ enum: ['article', 'specialty', 'default'] }) from!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) nextReviewDueAt!: Date | null;
}

export class SpecialtyPolicyResponse {
  @ApiProperty({ example: 'neurology' }) specialty!: string;
  @ApiProperty({ example: 'P3M' }) cadence!: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) updatedById!: string | null;
  @ApiProperty({ format: 'date-time' }) updatedAt!: Date;
}

export class ReviewPoliciesResponse {
  @ApiProperty({ example: 'P12M', description: 'REVIEW_CADENCE' }) default!: string;
  @ApiProperty({ type: [SpecialtyPolicyResponse] }) specialties!: SpecialtyPolicyResponse[];
}

export class SpecialtyPolicyRemovedResponse {
  @ApiProperty({ example: 'neurology' }) specialty!: string;
  @ApiProperty({ enum: [true] }) removed!: true;
}

export class ReReviewerResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'Alan Lucks' }) displayName!: string;
}

export class ReReviewResponse {
  @ApiProperty({ format: 'uuid' }) articleId!: string;
  @ApiProperty() slug!: string;
  @ApiProperty() title!: string;
  @ApiProperty({ enum: ARTICLE_STATUSES }) articleStatus!: string;
  @ApiProperty({ format: 'date-time' }) dueAt!: Date;
  @ApiProperty({ format: 'date-time' }) lastReviewedAt!: Date;
  @ApiProperty({ type: ReReviewerResponse }) lastReviewer!: ReReviewerResponse;
  @ApiProperty({ format: 'uuid' }) signOffId!: string;
  @ApiProperty({ enum: ['overdue', 'due_soon'] }) status!: string;
  @ApiProperty({ minimum: 0 }) daysOverdue!: number;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) openAssignmentId!: string | null;
}
