import { randomUUID } from 'node:crypto';
import type { Client } from 'pg';
import type { ArticleContent } from '../../src/articles/article-content.js';
import { renderContent } from '../../src/articles/markdown-renderer.js';
import { contentHash } from '../../src/core/crypto/content-hash.js';
import { bylineText } from '../../src/sign-offs/byline.js';

/**
 * What an edit, a resubmission and a physician's sign-off leave behind, written in SQL as bench/lib/seed.ts
 * writes the first revision (the review workflow is not what the benchmarks measure): a new revision of the
 * article whose title ends with `marker`, signed off by the physician of the latest sign-off, the article
 * approved at it. Publishing it (POST /articles/:id/publish) puts the new title on the public page.
 */
export async function signNewRevision(
  client: Client,
  articleId: string,
  marker: string,
): Promise<{ revision: number; title: string }> {
  await client.query('BEGIN');
  try {
    const { rows } = await client.query<{ number: number; content: ArticleContent; author_id: string }>(
      `SELECT r.number, r.content, a.author_id FROM articles a
         JOIN revisions r ON r.article_id = a.id AND r.number = a.current_revision
        WHERE a.id = $1 FOR UPDATE OF a`,
      [articleId],
    );
    if (!rows.length) throw new Error(`no article ${articleId}`);
    const [{ number, content: previous, author_id: authorId }] = rows;
    const title = `${previous.title.replace(/ \[[^\]]*\]$/, '')} [${marker}]`;
    const content: ArticleContent = { ...previous, title };
    const hash = contentHash(content);
    const revision = number + 1;
    const signedAt = new Date();
    await client.query(
      `INSERT INTO revisions (article_id, number, content, rendered, content_hash, created_by_id, change_note)
       VALUES ($1, $2, $3, $4, $5, $6, 'retitled for bench:cluster')`,
      [articleId, revision, JSON.stringify(content), JSON.stringify(renderContent(content)), hash, authorId],
    );
    const signOff = await client.query<{
      id: string;
      reviewer_id: string;
      reviewer_display_name: string;
      reviewer_credentials: string;
      reviewer_affiliation: string;
    }>(
      `INSERT INTO sign_offs (id, article_id, revision_number, content_hash, reviewer_id, decision_id,
                              reviewer_display_name, reviewer_credentials, reviewer_affiliation, license_number,
                              license_region, license_expires_on, signed_at)
       SELECT $1, article_id, $2, $3, reviewer_id, gen_random_uuid(), reviewer_display_name,
              reviewer_credentials, reviewer_affiliation, license_number, license_region, license_expires_on, $4
         FROM sign_offs WHERE article_id = $5 ORDER BY signed_at DESC, id DESC LIMIT 1
       RETURNING id, reviewer_id, reviewer_display_name, reviewer_credentials, reviewer_affiliation`,
      [randomUUID(), revision, hash, signedAt, articleId],
    );
    const signed = signOff.rows[0];
    const byline = bylineText(
      {
        reviewerDisplayName: signed.reviewer_display_name,
        reviewerCredentials: signed.reviewer_credentials,
        reviewerAffiliation: signed.reviewer_affiliation,
        signedAt,
      },
      'America/New_York',
    );
    await client.query(
      `UPDATE articles SET status = 'approved', title = $2, current_revision = $3, version = version + 1,
                           latest_sign_off = $4, last_reviewed_at = $5, updated_at = now()
        WHERE id = $1`,
      [
        articleId,
        title,
        revision,
        JSON.stringify({
          id: signed.id,
          revision,
          contentHash: hash,
          reviewerId: signed.reviewer_id,
          signedAt: signedAt.toISOString(),
          byline,
        }),
        signedAt,
      ],
    );
    await client.query('COMMIT');
    return { revision, title };
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  }
}
