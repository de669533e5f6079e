import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';

const DAY_MS = 24 * 3600 * 1000;

export interface SeededReminder {
  /** The reviewer who gets the reminder (lower case). */
  email: string;
  articleId: string;
}

export interface SeedRemindersOptions {
  count: number;
  /** When the reminders fall due (a minute ago by default). */
  remindAt?: Date;
}

/**
 * Writes `count` published articles straight into PostgreSQL, each signed by its own reviewer, each with a
 * 30-days-before-due reminder (`before-P30D`) due at `remindAt`: thousands in a second, where the API would
 * take minutes. Every call uses fresh addresses and slugs, so one database can be seeded more than once.
 */
export async function seedReminders(
  dataSource: DataSource,
  { count, remindAt = new Date(Date.now() - 60_000) }: SeedRemindersOptions,
): Promise<SeededReminder[]> {
  const batch = randomUUID().slice(0, 8);
  const authorId = randomUUID();
  const rows = Array.from({ length: count }, (_, i) => ({
    reviewerId: randomUUID(),
    email: `reviewer-${i}-${batch}@test.local`,
    articleId: randomUUID(),
    signOffId: randomUUID(),
  }));
  const col = <K extends keyof (typeof rows)[number]>(key: K) => rows.map((row) => row[key]);
  const dueAt = new Date(remindAt.getTime() + 30 * DAY_MS);
  const signedAt = new Date(dueAt.getTime() - 365 * DAY_MS);
  const hash = 'a'.repeat(64);

  await dataSource.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO users (id, email, name, password_hash, roles)
       VALUES ($1, $2, 'Faults Writer', 'x', ARRAY['writer'])`,
      [authorId, `faults-writer-${batch}@test.local`],
    );
    await tx.query(
      `INSERT INTO users (id, email, name, password_hash, roles)
       SELECT id, email, 'Reviewer ' || n, 'x', ARRAY['reviewer']
         FROM unnest($1::uuid[], $2::text[]) WITH ORDINALITY AS r(id, email, n)`,
      [col('reviewerId'), col('email')],
    );
    await tx.query(
      `INSERT INTO articles (id, slug, title, specialty, status, author_id, current_revision, published_revision,
                             last_reviewed_at, next_review_due_at, first_published_at)
       SELECT id, 'faults-' || $5 || '-' || n, 'Faults article ' || n, 'cardiology', 'published', $2, 1, 1, $3, $4, $3
         FROM unnest($1::uuid[]) WITH ORDINALITY AS a(id, n)`,
      [col('articleId'), authorId, signedAt, dueAt, batch],
    );
    await tx.query(
      `INSERT INTO revisions (article_id, number, content, rendered, content_hash, created_by_id)
       SELECT id, 1, '{}'::jsonb, '{}'::jsonb, $2, $3 FROM unnest($1::uuid[]) AS a(id)`,
      [col('articleId'), hash, authorId],
    );
    await tx.query(
      `INSERT INTO sign_offs (id, article_id, revision_number, content_hash, reviewer_id, decision_id,
                              reviewer_display_name, reviewer_credentials, reviewer_affiliation,
                              license_number, license_region, license_expires_on, signed_at)
       SELECT s.id, s.article_id, 1, $4, s.reviewer_id, gen_random_uuid(), 'Reviewer ' || s.n, 'MD',
              'Faults Clinic', 'LIC-' || s.n, 'NY', '2099-01-01', $5
         FROM unnest($1::uuid[], $2::uuid[], $3::uuid[]) WITH ORDINALITY AS s(id, article_id, reviewer_id, n)`,
      [col('signOffId'), col('articleId'), col('reviewerId'), hash, signedAt],
    );
    await tx.query(
      `INSERT INTO review_schedules (article_id, sign_off_id, reviewer_id, signed_at, due_at,
                                     next_reminder_kind, next_reminder_at)
       SELECT article_id, sign_off_id, reviewer_id, $4, $5, 'before-P30D', $6
         FROM unnest($1::uuid[], $2::uuid[], $3::uuid[]) AS s(article_id, sign_off_id, reviewer_id)`,
      [col('articleId'), col('signOffId'), col('reviewerId'), signedAt, dueAt, remindAt],
    );
  });
  return rows.map(({ email, articleId }) => ({ email, articleId }));
}

/** Reminder emails in the outbox, by status. */
export async function reminderOutboxCounts(dataSource: DataSource): Promise<Record<string, number>> {
  const rows = await dataSource.query<{ status: string; n: number }[]>(
    `SELECT status, count(*)::int AS n FROM email_outbox WHERE template = 'review-reminder' GROUP BY status`,
  );
  return Object.fromEntries(rows.map((row) => [row.status, row.n]));
}
