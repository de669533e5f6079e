import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { ArticlesRepository } from '../articles/articles.repository.js';
import type { AuthUser } from '../auth/auth-user.js';
import { Clock } from '../core/clock/clock.js';
import { inTransaction } from '../core/database/transaction.js';
import type { Assignment } from './assignment.entity.js';
import { AssignmentsRepository, OPEN_ASSIGNMENT } from './assignments.repository.js';
import { AssignmentsService } from './assignments.service.js';
import { ReviewEmails } from './review-emails.js';
import { ReviewError, ReviewErrorCode } from './reviews.exception.js';
import type { DeclineAssignmentDto } from './reviews.dto.js';

/** The assigned reviewer's answer to a review request: accept it, or decline it with a reason. */
@Injectable()
export class AssignmentResponses {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly articles: ArticlesRepository,
    private readonly assignments: AssignmentsRepository,
    private readonly assignmentsService: AssignmentsService,
    private readonly emails: ReviewEmails,
    private readonly clock: Clock,
  ) {}

  accept(actor: AuthUser, id: string): Promise<Assignment> {
    return inTransaction(this.dataSource, async (tx) => {
      const assignment = await this.lockOwn(tx, actor, id);
      if (assignment.status !== 'pending') {
        throw new ReviewError(
          ReviewErrorCode.AssignmentNotOpen,
          'conflict',
          `Assignment is ${assignment.status}; only a pending one can be accepted`,
        );
      }
      return this.assignmentsService.transition(
        tx,
        actor.id,
        assignment,
        { status: 'accepted', respondedAt: this.clock.now() },
        'assignment.accepted',
      );
    });
  }

  decline(actor: AuthUser, id: string, dto: DeclineAssignmentDto): Promise<Assignment> {
    return inTransaction(this.dataSource, async (tx, ctx) => {
      const assignment = await this.lockOwn(tx, actor, id);
      if (!OPEN_ASSIGNMENT.includes(assignment.status)) {
        throw new ReviewError(
          ReviewErrorCode.AssignmentNotOpen,
          'conflict',
          `Assignment is ${assignment.status}; only a pending or accepted one can be declined`,
        );
      }
      const article = await this.articles.lockById(tx, assignment.articleId);
      const declined = await this.assignmentsService.transition(
        tx,
        actor.id,
        assignment,
        { status: 'declined', declineReason: dto.reason.trim(), respondedAt: this.clock.now() },
        'assignment.declined',
      );
      await this.emails.declined(tx, ctx, article, assignment.id, actor.name, dto.reason.trim());
      return declined;
    });
  }

  private async lockOwn(tx: EntityManager, actor: AuthUser, id: string): Promise<Assignment> {
    const assignment = await this.assignments.lockById(tx, id);
    if (!assignment)
      throw new ReviewError(ReviewErrorCode.AssignmentNotFound, 'not_found', 'Assignment not found');
    if (assignment.reviewerId !== actor.id) {
      throw new ReviewError(
        ReviewErrorCode.NotYourAssignment,
        'forbidden',
        'Only the assigned reviewer can respond to this assignment',
      );
    }
    return assignment;
  }
}
