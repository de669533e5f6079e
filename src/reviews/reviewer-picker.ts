import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { type ArticleWriters, signingRefusal, type SigningRefusal } from '../sign-offs/signing-rule.js';
import { UsersRepository } from '../users/users.repository.js';
import { AssignmentsRepository } from './assignments.repository.js';

export type PickResult = { reviewerId: string } | { reviewerId: null; reason: string };

/** How a refusal is counted in the "nobody eligible" message. */
const REFUSAL_WORDS: Record<SigningRefusal, string> = {
  author: 'is the author',
  revision_writer: 'wrote a revision',
  not_assigned: 'not assigned',
  not_an_active_reviewer: 'not an active reviewer',
  no_reviewer_profile: 'without a reviewer profile',
  licence_expired: 'with an expired licence',
};

/**
 * Automatic assignment: among the active reviewers whose specialties include the article's, the ones the signing
 * rule accepts (not a writer of the article, licence valid now), the one with the fewest open assignments; ties
 * go to the longest-standing account, then the lowest id, so the choice is deterministic.
 */
@Injectable()
export class ReviewerPicker {
  constructor(
    private readonly users: UsersRepository,
    private readonly assignments: AssignmentsRepository,
  ) {}

  async pick(
    tx: EntityManager,
    article: { specialty: string },
    writers: ArticleWriters,
    at: Date,
    timeZone: string,
  ): Promise<PickResult> {
    const reviewers = await this.users.findActiveReviewersOfSpecialty(article.specialty, tx);
    if (!reviewers.length) {
      return { reviewerId: null, reason: `No active reviewer lists the specialty "${article.specialty}"` };
    }
    const open = await this.assignments.openCountsByReviewer(
      tx,
      reviewers.map(({ user }) => user.id),
    );
    const judged = reviewers.map(({ user, profile }, rank) => ({
      id: user.id,
      rank,
      openAssignments: open.get(user.id) ?? 0,
      refusal: signingRefusal(
        { userId: user.id, name: user.name, active: user.active, roles: user.roles, profile },
        writers,
        at,
        timeZone,
      ),
    }));
    const eligible = judged
      .filter((candidate) => candidate.refusal === null)
      .sort((a, b) => a.openAssignments - b.openAssignments || a.rank - b.rank)[0];
    if (eligible) return { reviewerId: eligible.id };
    const counts = new Map<SigningRefusal, number>();
    for (const { refusal } of judged) if (refusal) counts.set(refusal, (counts.get(refusal) ?? 0) + 1);
    const parts = [...counts].map(([refusal, count]) => `${count} ${REFUSAL_WORDS[refusal]}`);
    return {
      reviewerId: null,
      reason: `No eligible reviewer for specialty "${article.specialty}": ${reviewers.length} found, ${parts.join(', ')}`,
    };
  }
}
