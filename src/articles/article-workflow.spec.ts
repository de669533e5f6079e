import { jest } from '@jest/globals';
import type { EntityManager } from 'typeorm';
import type { AuditService } from '../audit/audit.service.js';
import type { TransactionContext } from '../core/database/transaction.js';
import { isDomainError } from '../core/errors/domain-error.js';
import type { DomainEvents } from '../core/events/domain-events.js';
import { ARTICLE_STATUSES, type Article, type ArticleStatus } from './article.entity.js';
import {
  ANNOUNCES,
  ArticleWorkflow,
  illegalTransition,
  nextStatus,
  requireTransition,
  TRANSITIONS,
  WorkflowEvent,
} from './article-workflow.js';
import { ArticleErrorCode } from './articles.exception.js';
import type { ArticlesRepository } from './articles.repository.js';

const EVENTS = Object.values(WorkflowEvent);

/**
 * The article's life as the product describes it, written out independently of the implementation: one row per
 * state, one column per event; `-` is an illegal move, `=` keeps the state.
 */
const COLUMNS = [
  'edit',
  'submit',
  'withdraw',
  'open_review',
  'request_changes',
  'record_sign_off',
  'publish',
  'schedule_publish',
  'unpublish',
  're_review_due',
  'schedule_re_review',
  'set_cadence',
  'record_attested_review',
  'approve_on_attested_review',
] as const;
const EXPECTED: Record<ArticleStatus, string[]> = {
  //                 edit     submit       withdraw open_review request_changes      record_sign_off publish      schedule_publish unpublish   re_review_due sched_re_review set_cadence record_attested approve_on_attested
  draft: /*      */ ['draft', 'in_review', '-', '-', '-', '-', '-', '-', '-', '-', '=', '=', '=', 'approved'],
  in_review: /*  */ [
    '-',
    '-',
    'draft',
    '=',
    'changes_requested',
    'approved',
    '-',
    '-',
    '-',
    '-',
    '=',
    '=',
    '-',
    '-',
  ],
  changes_requested: [
    'changes_requested',
    'in_review',
    '-',
    '-',
    '-',
    '-',
    '-',
    '-',
    '-',
    '-',
    '=',
    '=',
    '-',
    '-',
  ],
  approved: /*   */ [
    'draft',
    '-',
    '-',
    '-',
    'changes_requested',
    '=',
    'published',
    '=',
    '-',
    '=',
    '=',
    '=',
    '-',
    '-',
  ],
  published: /*  */ [
    'draft',
    '-',
    '-',
    '-',
    'changes_requested',
    '=',
    '=',
    '=',
    'archived',
    '=',
    '=',
    '=',
    '-',
    '-',
  ],
  archived: /*   */ ['draft', '-', '-', '-', '-', '-', 'published', '=', '-', '-', '=', '=', '-', '-'],
};

function expected(state: ArticleStatus, event: WorkflowEvent): ArticleStatus | null {
  const cell = EXPECTED[state][(COLUMNS as readonly string[]).indexOf(event)];
  if (cell === '-') return null;
  return cell === '=' ? state : (cell as ArticleStatus);
}

describe('the article workflow table', () => {
  it('has a row for every status and a column for every event', () => {
    expect(Object.keys(TRANSITIONS).sort()).toEqual([...ARTICLE_STATUSES].sort());
    expect([...COLUMNS].sort()).toEqual([...EVENTS].sort());
  });

  const pairs = ARTICLE_STATUSES.flatMap((state) => EVENTS.map((event) => [state, event] as const));

  it.each(pairs)('%s × %s goes where the product says', (state, event) => {
    const want = expected(state, event);
    expect(nextStatus(state, event)).toBe(want);
    if (want === null) {
      let refused: unknown;
      try {
        requireTransition(state, event);
      } catch (error) {
        refused = error;
      }
      // An illegal move is a domain error (409 at the edge) naming the state and the event.
      expect(isDomainError(refused)).toBe(true);
      expect(refused).toMatchObject({
        code: ArticleErrorCode.IllegalTransition,
        kind: 'conflict',
        details: [{ state, event }],
      });
      expect((refused as Error).message).toContain(state);
    } else {
      expect(requireTransition(state, event)).toBe(want);
    }
  });

  it('keeps the messages clients have always read', () => {
    expect(illegalTransition('archived', WorkflowEvent.Unpublish).message).toBe(
      'Article is archived; only a published article can be unpublished',
    );
    expect(illegalTransition('in_review', WorkflowEvent.Edit).message).toMatch(/in_review.*Withdraw/);
  });
});

describe('ArticleWorkflow.apply', () => {
  const now = new Date('2026-01-10T12:00:00Z');

  function setup() {
    const writes: { changes: Record<string, unknown> }[] = [];
    const repository = {
      writeWorkflow: jest.fn((_tx: EntityManager, article: Article, changes: Partial<Article>) => {
        writes.push({ changes });
        Object.assign(article, changes, { version: article.version + 1 });
        return Promise.resolve(article);
      }),
      writeWorkflowMany: jest.fn(
        (_tx: EntityManager, items: { article: Article; changes: Partial<Article> }[]) => {
          for (const { article, changes } of items) {
            writes.push({ changes });
            Object.assign(article, changes, { version: article.version + 1 });
          }
          return Promise.resolve();
        },
      ),
    };
    const audit = {
      record: jest.fn(() => Promise.resolve({})),
      recordMany: jest.fn(() => Promise.resolve()),
    };
    const emitted: { type: string }[] = [];
    const events = {
      emit: jest.fn((_tx: EntityManager, _ctx: TransactionContext, event: { type: string }) => {
        emitted.push(event);
        return Promise.resolve();
      }),
    };
    const clock = { now: () => now };
    const workflow = new ArticleWorkflow(
      repository as unknown as ArticlesRepository,
      audit as unknown as AuditService,
      events as unknown as DomainEvents,
      clock,
    );
    return { workflow, writes, audit, emitted };
  }

  const article = (status: ArticleStatus): Article =>
    ({
      id: 'a1',
      status,
      version: 3,
      publishedRevision: null,
      firstPublishedAt: null,
      currentRevision: 2,
    }) as Article;
  const tx = {} as EntityManager;
  const ctx: TransactionContext = { afterCommit: () => undefined };

  it('submits: writes the status, records the audit after the write, announces article.submitted', async () => {
    const { workflow, writes, audit, emitted } = setup();
    const draft = article('draft');
    await workflow.apply(
      tx,
      ctx,
      draft,
      WorkflowEvent.Submit,
      { missingForReview: [] },
      { actorId: 'u1', audit: { action: 'article.submitted', after: (a) => ({ version: a.version }) } },
    );
    expect(writes).toEqual([{ changes: { status: 'in_review' } }]);
    expect(audit.record).toHaveBeenCalledWith(
      tx,
      expect.objectContaining({ action: 'article.submitted', after: { version: 4 }, articleId: 'a1' }),
    );
    expect(emitted.map((event) => event.type)).toEqual([ANNOUNCES[WorkflowEvent.Submit]]);
  });

  it('refuses an incomplete draft (422 naming the missing fields) and writes nothing', async () => {
    const { workflow, writes, emitted } = setup();
    await expect(
      workflow.apply(
        tx,
        ctx,
        article('draft'),
        WorkflowEvent.Submit,
        { missingForReview: [{ field: 'sections', reason: 'required' }] },
        { actorId: 'u1' },
      ),
    ).rejects.toMatchObject({ code: ArticleErrorCode.NotReadyForReview, kind: 'unprocessable' });
    expect(writes).toEqual([]);
    expect(emitted).toEqual([]);
  });

  it('refuses an illegal move and writes nothing', async () => {
    const { workflow, writes, emitted } = setup();
    await expect(
      workflow.apply(tx, ctx, article('draft'), WorkflowEvent.Unpublish, {}, { actorId: 'u1' }),
    ).rejects.toMatchObject({ code: ArticleErrorCode.IllegalTransition });
    expect(writes).toEqual([]);
    expect(emitted).toEqual([]);
  });

  it('publishes: sets the live revision and the first publication date once', async () => {
    const { workflow, writes } = setup();
    const approved = article('approved');
    await workflow.apply(tx, ctx, approved, WorkflowEvent.Publish, { revision: 2 }, { actorId: 'u1' });
    expect(writes[0].changes).toEqual({ status: 'published', publishedRevision: 2, firstPublishedAt: now });
    const earlier = new Date('2025-01-01T00:00:00Z');
    const republished = Object.assign(article('archived'), { firstPublishedAt: earlier });
    await workflow.apply(tx, ctx, republished, WorkflowEvent.Publish, { revision: 2 }, { actorId: 'u1' });
    expect(writes[1].changes).toEqual({
      status: 'published',
      publishedRevision: 2,
      firstPublishedAt: earlier,
    });
  });

  it('a re-review due date keeps the state and announces nothing', async () => {
    const { workflow, writes, emitted } = setup();
    const dueAt = new Date('2027-01-10T12:00:00Z');
    await workflow.apply(
      tx,
      ctx,
      article('published'),
      WorkflowEvent.ScheduleReReview,
      { dueAt },
      { actorId: null },
    );
    expect(writes).toEqual([{ changes: { nextReviewDueAt: dueAt } }]);
    expect(emitted).toEqual([]);
  });

  it('applies one event to many articles: each checked against the table, written together, audited each', async () => {
    const { workflow, writes, audit, emitted } = setup();
    const first = Object.assign(article('draft'), { id: 'a1' });
    const second = Object.assign(article('draft'), { id: 'a2' });
    const reviewedAt = new Date('2026-01-10T05:00:00Z');
    await workflow.applyToMany(
      tx,
      ctx,
      WorkflowEvent.RecordAttestedReview,
      [
        { article: first, input: { reviewedAt } },
        { article: second, input: { reviewedAt } },
      ],
      { actorId: 'u1', audit: { action: 'review.attested', after: (a) => ({ version: a.version }) } },
    );
    expect(writes).toEqual([
      { changes: { lastReviewedAt: reviewedAt } },
      { changes: { lastReviewedAt: reviewedAt } },
    ]);
    // One multi-row append for the batch, one event per article.
    expect(audit.recordMany).toHaveBeenCalledTimes(1);
    expect(audit.recordMany).toHaveBeenCalledWith(tx, [
      expect.objectContaining({ articleId: 'a1', action: 'review.attested', after: { version: 4 } }),
      expect.objectContaining({ articleId: 'a2', action: 'review.attested', after: { version: 4 } }),
    ]);
    expect(emitted).toEqual([]);
  });

  it('refuses the whole batch, writing nothing, when one article may not take the event', async () => {
    const { workflow, writes, audit } = setup();
    await expect(
      workflow.applyToMany(
        tx,
        ctx,
        WorkflowEvent.ApproveOnAttestedReview,
        [
          { article: article('draft'), input: {} },
          { article: article('published'), input: {} },
        ],
        { actorId: 'u1' },
      ),
    ).rejects.toMatchObject({ code: ArticleErrorCode.IllegalTransition });
    expect(writes).toEqual([]);
    expect(audit.record).not.toHaveBeenCalled();
    expect(audit.recordMany).not.toHaveBeenCalled();
  });
});
