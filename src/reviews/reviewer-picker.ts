import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

interface Candidate {
  id: string;
  isAuthor: boolean;
  licenceValid: boolean;
  openAssignments: number;
}

export type PickResult = { reviewerId: string } | { reviewerId: null; reason: string };

/**
 * Automatic assignment: an active reviewer whose specialties include the article's, whose licence is valid
 * today, who is not the author, with the fewest open assignments; ties go to the longest-standing account,
 * then the lowest id, so the choice is deterministic.
 */
@Injectable()
export class ReviewerPicker {
  async pick(
    tx: EntityManager,
    article: { specialty: string; authorId: string },
    today: string,
  ): Promise<PickResult> {
    const rows = await tx.query<Candidate[]>(
      `SELECT u.id,
              u.id = $2 AS "isAuthor",
              p.license_expires_on >= $3::date AS "licenceValid",
              (SELECT count(*)::int FROM assignments a
                 WHERE a.reviewer_id = u.id AND a.status IN ('pending', 'accepted')) AS "openAssignments"
         FROM users u
         JOIN reviewer_profiles p ON p.user_id = u.id
        WHERE u.active AND 'reviewer' = ANY(u.roles) AND $1 = ANY(p.specialties)
        ORDER BY "openAssignments" ASC, u.created_at ASC, u.id ASC`,
      [article.specialty, article.authorId, today],
    );
    const eligible = rows.find((row) => !row.isAuthor && row.licenceValid);
    if (eligible) return { reviewerId: eligible.id };
    if (!rows.length) {
      return { reviewerId: null, reason: `No active reviewer lists the specialty "${article.specialty}"` };
    }
    const author = rows.filter((row) => row.isAuthor).length;
    const expired = rows.filter((row) => !row.isAuthor && !row.licenceValid).length;
    const parts = [
      author ? `${author} is the author` : '',
      expired ? `${expired} with an expired licence` : '',
    ].filter(Boolean);
    return {
      reviewerId: null,
      reason: `No eligible reviewer for specialty "${article.specialty}": ${rows.length} found, ${parts.join(', ')}`,
    };
  }
}
