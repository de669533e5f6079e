import { ApiProperty } from '@nestjs/swagger';
import { SignOffResponse } from '../sign-offs/sign-offs.response.js';
import { ARTICLE_STATUSES } from '../articles/article.entity.js';
import { ASSIGNMENT_KINDS, ASSIGNMENT_STATUSES } from './assignment.entity.js';
import { DECISIONS } from './review-decision.entity.js';

export class AssignmentResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) articleId!: string;
  @ApiProperty({ format: 'uuid' }) reviewerId!: string;
  @ApiProperty({ enum: ASSIGNMENT_KINDS }) kind!: string;
  @ApiProperty({ enum: ASSIGNMENT_STATUSES }) status!: string;
  @ApiProperty({ format: 'date-time' }) dueAt!: Date;
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'null when the system assigned' })
  assignedById!: string | null;
  @ApiProperty({ type: String, nullable: true }) declineReason!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) respondedAt!: Date | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) completedAt!: Date | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: Date;
  @ApiProperty({ format: 'date-time' }) updatedAt!: Date;
}

export class ReviewDecisionResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) articleId!: string;
  @ApiProperty({ format: 'uuid' }) assignmentId!: string;
  @ApiProperty({ format: 'uuid' }) reviewerId!: string;
  @ApiProperty({ description: 'The revision the decision is about' }) revisionNumber!: number;
  @ApiProperty({ description: 'SHA-256 of that revision' }) contentHash!: string;
  @ApiProperty({ enum: DECISIONS }) decision!: string;
  @ApiProperty({ type: String, nullable: true }) comments!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: Date;
}

export class DecisionResultResponse {
  @ApiProperty({ type: ReviewDecisionResponse }) decision!: ReviewDecisionResponse;
  @ApiProperty({ enum: ARTICLE_STATUSES, description: 'The article status after the decision' })
  articleStatus!: string;
  @ApiProperty({ type: SignOffResponse, nullable: true, description: 'The sign-off an approval created' })
  signOff!: SignOffResponse | null;
}
