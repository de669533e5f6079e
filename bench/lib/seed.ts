import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import type { ArticleContent } from '../../src/articles/article-content.js';
import { renderContent } from '../../src/articles/markdown-renderer.js';
import { contentHash } from '../../src/core/crypto/content-hash.js';
import { bylineText } from '../../src/sign-offs/byline.js';
import { REPO_ROOT } from './machine.js';

const BATCH = 200;
const REVIEWER = {
  displayName: 'Alan Lucks',
  credentials: 'MD',
  affiliation: 'Alan Lucks MDPC Private Practice - New York',
};

/** The seed article (test/fixtures/seed-article.json, a real article's size), with optional fields explicit. */
export function seedArticle(): ArticleContent {
  const content = JSON.parse(
    readFileSync(join(REPO_ROOT, 'test', 'fixtures', 'seed-article.json'), 'utf8'),
  ) as ArticleContent;
  return {
    ...content,
    references: content.references.map((r) => ({ ...r, year: r.year ?? null })),
    images: content.images.map((i) => ({
      ...i,
      caption: i.caption ?? null,
      sectionIndex: i.sectionIndex ?? null,
    })),
  };
}

export interface SeededArticle {
  id: string;
  slug: string;
}

/**
 * Inserts `count` seed-sized articles in bulk, as drafting and review would have left them: revision 1 signed off
 * by a physician (a reviewer user and profile inserted here), status approved, ready to publish. Straight SQL
 * (as bench/publish.ts does): the review workflow is not what these benchmarks measure.
 */
export async function insertSignedArticles(
  databaseUrl: string,
  writerId: string,
  count: number,
  onProgress: (done: number) => void = () => undefined,
): Promise<SeededArticle[]> {
  const base = seedArticle();
  const rendered = JSON.stringify(renderContent(base));
  const signedAt = new Date(Date.now() - 7 * 24 * 3600 * 1000);
  // The service's default publication zone; the byline is a snapshot, so any zone gives a valid page.
  const byline = bylineText(
    {
      reviewerDisplayName: REVIEWER.displayName,
      reviewerCredentials: REVIEWER.credentials,
      reviewerAffiliation: REVIEWER.affiliation,
      signedAt,
    },
    'America/New_York',
  );
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  const seeded: SeededArticle[] = [];
  try {
    const reviewerId = randomUUID();
    await client.query(
      `INSERT INTO users (id, email, name, password_hash, roles)
       VALUES ($1, 'bench-reviewer@bench.local', $2, 'not-a-hash', ARRAY['reviewer'])`,
      [reviewerId, REVIEWER.displayName],
    );
    await client.query(
      `INSERT INTO reviewer_profiles (user_id, display_name, credentials, affiliation, specialties, license_number,
         license_region, license_expires_on)
       VALUES ($1, $2, $3, $4, '{neurology}', 'NY-209431', 'US-NY', '2099-06-30')`,
      [reviewerId, REVIEWER.displayName, REVIEWER.credentials, REVIEWER.affiliation],
    );
    for (let start = 0; start < count; start += BATCH) {
      const rows = Array.from({ length: Math.min(BATCH, count - start) }, (_, k) => {
        const index = start + k;
        const content: ArticleContent = {
          ...base,
          slug: `${base.slug}-${index}`,
          title: `${base.title} (${index})`,
        };
        return { id: randomUUID(), signOffId: randomUUID(), content, hash: contentHash(content) };
      });
      await client.query('BEGIN');
      await client.query(
        `INSERT INTO articles (id, slug, title, specialty, status, author_id, current_revision, latest_sign_off,
                               last_reviewed_at, next_review_due_at)
         SELECT a.id, a.slug, a.title, 'neurology', 'approved', $4, 1, a.latest, $5, $6
           FROM unnest($1::uuid[], $2::varchar[], $3::varchar[], $7::jsonb[]) AS a(id, slug, title, latest)`,
        [
          rows.map((r) => r.id),
          rows.map((r) => r.content.slug),
          rows.map((r) => r.content.title),
          writerId,
          signedAt,
          new Date(signedAt.getTime() + 365 * 24 * 3600 * 1000),
          rows.map((r) =>
            JSON.stringify({
              id: r.signOffId,
              revision: 1,
              contentHash: r.hash,
              reviewerId,
              signedAt: signedAt.toISOString(),
              byline,
            }),
          ),
        ],
      );
      await client.query(
        `INSERT INTO revisions (article_id, number, content, rendered, content_hash, created_by_id, created_at)
         SELECT r.id, 1, r.content, $3::jsonb, r.hash, $4, $5
           FROM unnest($1::uuid[], $2::jsonb[], $6::char(64)[]) AS r(id, content, hash)`,
        [
          rows.map((r) => r.id),
          rows.map((r) => JSON.stringify(r.content)),
          rendered,
          writerId,
          new Date(signedAt.getTime() - 3600_000),
          rows.map((r) => r.hash),
        ],
      );
      await client.query(
        `INSERT INTO sign_offs (id, article_id, revision_number, content_hash, reviewer_id, decision_id,
                                reviewer_display_name, reviewer_credentials, reviewer_affiliation, license_number,
                                license_region, license_expires_on, signed_at)
         SELECT s.id, s.article_id, 1, s.hash, $4, gen_random_uuid(), $5, $6, $7, 'NY-209431', 'US-NY',
                '2099-06-30', $8
           FROM unnest($1::uuid[], $2::uuid[], $3::char(64)[]) AS s(id, article_id, hash)`,
        [
          rows.map((r) => r.signOffId),
          rows.map((r) => r.id),
          rows.map((r) => r.hash),
          reviewerId,
          REVIEWER.displayName,
          REVIEWER.credentials,
          REVIEWER.affiliation,
          signedAt,
        ],
      );
      await client.query('COMMIT');
      seeded.push(...rows.map((r) => ({ id: r.id, slug: r.content.slug })));
      onProgress(seeded.length);
    }
    // What autovacuum would have done on a live system by the time pages are read.
    await client.query('VACUUM (ANALYZE) articles, revisions, sign_offs');
  } finally {
    await client.end();
  }
  return seeded;
}

/** Runs one statement on its own connection (VACUUM cannot run inside a transaction block). */
export async function runSql(databaseUrl: string, text: string): Promise<void> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}
