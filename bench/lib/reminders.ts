import type { Client } from 'pg';

const epoch = (param: string) => `(timestamptz 'epoch' + ${param}::bigint * interval '1 millisecond')`;

/**
 * `count` published articles whose "7 days before the due date" reminder is already due at `now` (one every
 * 500 ms before it), as bench/schedule.ts part 5 and bench/cluster.ts load them: revision 1 signed off by one
 * physician, every other article with a revision 2 edited after the sign-off (so its reminder lists the changes).
 * Their schedules wait in the temporary table `bench_due` of this connection until `releaseDueReminders` inserts
 * them, which is the moment the workers' next sweep can see them. Slugs are `bench-due-<i>`. Creates the reviewer
 * and the writer (no login) and returns the reviewer's id.
 */
export async function loadDueReminders(pg: Client, count: number, now: number): Promise<string> {
  const users = await pg.query<{ id: string }>(
    `INSERT INTO users (email, name, password_hash, roles)
     VALUES ('alan.lucks@bench.local', 'Alan Lucks', 'bench-no-login', '{reviewer}'),
            ('due-writer@bench.local', 'Bench Writer', 'bench-no-login', '{writer}')
     RETURNING id`,
  );
  const [reviewerId, authorId] = users.rows.map((row) => row.id);
  await loadDueArticles(pg, count, now, reviewerId, authorId);
  await pg.query('ANALYZE articles, revisions, sign_offs, users');
  return reviewerId;
}

/** The articles of `loadDueReminders`, for a reviewer and a writer who already exist. */
export async function loadDueArticles(
  pg: Client,
  count: number,
  now: number,
  reviewerId: string,
  authorId: string,
): Promise<void> {
  const content = (i: string, body: string) => `jsonb_build_object(
      'title', 'Bench article ' || ${i}, 'slug', 'bench-due-' || ${i},
      'description', 'A short article for the reminder load.', 'specialty', 'neurology',
      'keyTakeaways', jsonb_build_array('One takeaway.'),
      'sections', jsonb_build_array(jsonb_build_object('heading', 'Overview', 'body', ${body})),
      'faq', '[]'::jsonb, 'references', '[]'::jsonb, 'bottomLine', 'The bottom line.',
      'relatedSlugs', '[]'::jsonb, 'images', '[]'::jsonb)`;
  await pg.query(
    `CREATE TEMP TABLE bench_due (i int PRIMARY KEY, article_id uuid, sign_off_id uuid, decision_id uuid,
                                  reminder_at timestamptz, due_at timestamptz, signed_at timestamptz,
                                  c1 jsonb, c2 jsonb, hash1 char(64), hash2 char(64))`,
  );
  await pg.query(
    `INSERT INTO bench_due (i, article_id, sign_off_id, decision_id, reminder_at, c1, c2)
     SELECT i, gen_random_uuid(), gen_random_uuid(), gen_random_uuid(),
            ${epoch('$2')} - i * interval '500 milliseconds',
            ${content('i', `'Body of article ' || i || '.'`)},
            CASE WHEN i % 2 = 0 THEN ${content('i', `'Body of article ' || i || ', clarified after the sign-off.'`)} END
       FROM generate_series(1, $1::int) AS i`,
    [count, now],
  );
  await pg.query(`UPDATE bench_due SET due_at = reminder_at + interval '7 days',
                         signed_at = reminder_at + interval '7 days' - interval '12 months',
                         hash1 = encode(sha256(convert_to(c1::text, 'UTF8')), 'hex'),
                         hash2 = encode(sha256(convert_to(c2::text, 'UTF8')), 'hex')`);
  const rendered = `jsonb_build_object('sections', jsonb_build_array('<p>Body.</p>'), 'faq', '[]'::jsonb,
                                       'bottomLine', '<p>The bottom line.</p>')`;
  await pg.query(
    `INSERT INTO revisions (article_id, number, content, rendered, content_hash, created_by_id, change_note)
     SELECT article_id, 1, c1, ${rendered}, hash1, $1::uuid, 'first draft' FROM bench_due
     UNION ALL
     SELECT article_id, 2, c2, ${rendered}, hash2, $1::uuid, 'edit after sign-off' FROM bench_due WHERE c2 IS NOT NULL`,
    [authorId],
  );
  await pg.query(
    `INSERT INTO sign_offs (id, article_id, revision_number, content_hash, reviewer_id, decision_id,
                            reviewer_display_name, reviewer_credentials, reviewer_affiliation, license_number,
                            license_region, license_expires_on, signed_at)
     SELECT sign_off_id, article_id, 1, hash1, $1::uuid, decision_id, 'Alan Lucks', 'MD',
            'Alan Lucks MDPC Private Practice - New York', 'NY-209431', 'US-NY', '2030-06-30', signed_at
       FROM bench_due`,
    [reviewerId],
  );
  await pg.query(
    `INSERT INTO articles (id, slug, title, specialty, status, author_id, version, current_revision,
                           published_revision, latest_sign_off, last_reviewed_at, next_review_due_at,
                           first_published_at, created_at, updated_at)
     SELECT article_id, 'bench-due-' || i, 'Bench article ' || i, 'neurology', 'published', $1::uuid,
            CASE WHEN c2 IS NULL THEN 3 ELSE 4 END, CASE WHEN c2 IS NULL THEN 1 ELSE 2 END, 1,
            jsonb_build_object('id', sign_off_id, 'revision', 1, 'contentHash', hash1, 'reviewerId', $2::uuid,
                               'signedAt', signed_at, 'byline', 'Medically reviewed by Alan Lucks, MD'),
            signed_at, due_at, signed_at, signed_at, signed_at
       FROM bench_due`,
    [authorId, reviewerId],
  );
}

/** Inserts the schedules of `loadDueReminders` (same connection): from now on the workers' sweep finds them. */
export async function releaseDueReminders(pg: Client, reviewerId: string): Promise<void> {
  await pg.query(
    `INSERT INTO review_schedules
            (article_id, sign_off_id, reviewer_id, signed_at, due_at, next_reminder_kind, next_reminder_at)
     SELECT article_id, sign_off_id, $1::uuid, signed_at, due_at, 'before-P7D', reminder_at FROM bench_due`,
    [reviewerId],
  );
}
