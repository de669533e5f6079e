import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { AuditAction } from '../audit/audit-action.js';
import { AuditService, type AuditInput } from '../audit/audit.service.js';
import { Clock } from '../core/clock/clock.js';
import type { TransactionContext } from '../core/database/transaction.js';
import type { ErrorDetail } from '../core/http/api-error.js';
import { DomainEvents, type DomainEvent } from '../core/events/domain-events.js';
import { ArticleStatus, type Article, type LatestSignOff } from './article.entity.js';
import { ArticleError, ArticleErrorCode } from './articles.exception.js';
import { ArticlesRepository, type ArticleEdit, type WorkflowChanges } from './articles.repository.js';

/** Everything that can happen to an article. */
export enum WorkflowEvent {
  Edit = 'edit',
  Submit = 'submit',
  Withdraw = 'withdraw',
  OpenReview = 'open_review',
  RequestChanges = 'request_changes',
  RecordSignOff = 'record_sign_off',
  Publish = 'publish',
  SchedulePublish = 'schedule_publish',
  Unpublish = 'unpublish',
  ReReviewDue = 're_review_due',
  ScheduleReReview = 'schedule_re_review',
  SetCadence = 'set_cadence',
  /** Import: a past review attested by the source (not e-signed here) dates the draft's last review. */
  RecordAttestedReview = 'record_attested_review',
  /** Import with --publish: the attested review approves the imported revision for publishing. */
  ApproveOnAttestedReview = 'approve_on_attested_review',
}

const { Draft, InReview, ChangesRequested, Approved, Published, Archived } = ArticleStatus;
const {
  Edit,
  Submit,
  Withdraw,
  OpenReview,
  RequestChanges,
  RecordSignOff,
  Publish,
  SchedulePublish,
  Unpublish,
  ReReviewDue,
  ScheduleReReview,
  SetCadence,
  RecordAttestedReview,
  ApproveOnAttestedReview,
} = WorkflowEvent;

/** A new article starts here. */
export const INITIAL_STATUS = Draft;

/** The state an event leads to; `stay` keeps the state (the event changes dates, or opens work elsewhere). */
type Target = ArticleStatus | 'stay';

/**
 * The article's life: state × event -> next state. A pair that is not listed is an illegal transition (409).
 * The domain events each transition announces are in ANNOUNCES; the fields it writes in `changesFor`.
 */
export const TRANSITIONS: Readonly<Record<ArticleStatus, Readonly<Partial<Record<WorkflowEvent, Target>>>>> =
  {
    //                  event                next state
    [Draft]: {
      [Edit]: Draft,
      [Submit]: InReview,
      [ScheduleReReview]: 'stay',
      [SetCadence]: 'stay',
      [RecordAttestedReview]: 'stay',
      [ApproveOnAttestedReview]: Approved,
    },
    [InReview]: {
      [Withdraw]: Draft,
      [OpenReview]: 'stay',
      [RequestChanges]: ChangesRequested,
      [RecordSignOff]: Approved,
      [ScheduleReReview]: 'stay',
      [SetCadence]: 'stay',
    },
    [ChangesRequested]: {
      [Edit]: ChangesRequested,
      [Submit]: InReview,
      [ScheduleReReview]: 'stay',
      [SetCadence]: 'stay',
    },
    [Approved]: {
      [Edit]: Draft,
      [ReReviewDue]: 'stay',
      [RequestChanges]: ChangesRequested,
      [RecordSignOff]: 'stay',
      [Publish]: Published,
      [SchedulePublish]: 'stay',
      [ScheduleReReview]: 'stay',
      [SetCadence]: 'stay',
    },
    [Published]: {
      [Edit]: Draft,
      [ReReviewDue]: 'stay',
      [RequestChanges]: ChangesRequested,
      [RecordSignOff]: 'stay',
      [Publish]: 'stay',
      [SchedulePublish]: 'stay',
      [Unpublish]: Archived,
      [ScheduleReReview]: 'stay',
      [SetCadence]: 'stay',
    },
    [Archived]: {
      [Edit]: Draft,
      [Publish]: Published,
      [SchedulePublish]: 'stay',
      [ScheduleReReview]: 'stay',
      [SetCadence]: 'stay',
    },
  };

/** The domain event each transition announces to other modules, inside the same transaction. */
export const ANNOUNCES: Readonly<Partial<Record<WorkflowEvent, DomainEvent['type']>>> = {
  [Submit]: 'article.submitted',
  [Withdraw]: 'article.withdrawn',
  [RecordSignOff]: 'article.signed',
  [Unpublish]: 'article.unpublished',
};

/** What an illegal transition answers, naming the state (the message people have always seen). */
const REFUSALS: Readonly<Record<WorkflowEvent, (state: ArticleStatus) => string>> = {
  [Edit]: (state) =>
    `The article is ${state}: nobody can edit it while a physician reviews it. Withdraw it first ` +
    '(POST /articles/:id/withdraw), then edit and submit again',
  [Submit]: (state) =>
    `The article is ${state}: only a draft or an article with changes requested can be submitted` +
    (state === InReview ? ' (it already is in review)' : '; edit it first'),
  [Withdraw]: (state) => `The article is ${state}, not in_review: there is no review to withdraw from`,
  [OpenReview]: (state) =>
    `Article is ${state}; only an article in review (or a published one, for a re-review) can be assigned`,
  [ReReviewDue]: (state) =>
    `Article is ${state}; only an article in review (or a published one, for a re-review) can be assigned`,
  [RequestChanges]: (state) =>
    `Article is ${state}, not in review; it must be submitted before it can be reviewed`,
  [RecordSignOff]: (state) =>
    `Article is ${state}, not in review; it must be submitted before it can be reviewed`,
  [Publish]: (state) =>
    `Article is ${state}; only an approved, published or archived article can be published`,
  [SchedulePublish]: (state) =>
    `Article is ${state}; only an approved, published or archived article can be published`,
  [Unpublish]: (state) => `Article is ${state}; only a published article can be unpublished`,
  [ScheduleReReview]: (state) => `Article is ${state}; its re-review cannot be scheduled`,
  [SetCadence]: (state) => `Article is ${state}; its cadence cannot be set`,
  [RecordAttestedReview]: (state) =>
    `Article is ${state}; an attested past review is recorded only on an imported draft`,
  [ApproveOnAttestedReview]: (state) =>
    `Article is ${state}; only an imported draft can be approved on its attested review`,
};

/** The state `event` leads to from `state`, or null if the table has no such transition. */
export function nextStatus(state: ArticleStatus, event: WorkflowEvent): ArticleStatus | null {
  const target = TRANSITIONS[state]?.[event];
  if (target === undefined) return null;
  return target === 'stay' ? state : target;
}

export function canHappen(state: ArticleStatus, event: WorkflowEvent): boolean {
  return nextStatus(state, event) !== null;
}

export function illegalTransition(state: ArticleStatus, event: WorkflowEvent): ArticleError {
  return new ArticleError(ArticleErrorCode.IllegalTransition, 'conflict', REFUSALS[event](state), [
    { reason: 'illegal transition', state, event },
  ]);
}

/** The next state, or the domain error naming the state and the event. */
export function requireTransition(state: ArticleStatus, event: WorkflowEvent): ArticleStatus {
  const next = nextStatus(state, event);
  if (next === null) throw illegalTransition(state, event);
  return next;
}

/** What an event carries, per event. */
export interface WorkflowInputs {
  [Submit]: { missingForReview: ErrorDetail[] };
  [Withdraw]: Record<string, never>;
  [RequestChanges]: Record<string, never>;
  [RecordSignOff]: { signOff: Extract<DomainEvent, { type: 'article.signed' }>['signOff']; byline: string };
  [Publish]: { revision: number };
  [Unpublish]: Record<string, never>;
  [ScheduleReReview]: { dueAt: Date };
  [SetCadence]: { cadence: string | null };
  [RecordAttestedReview]: { reviewedAt: Date };
  [ApproveOnAttestedReview]: Record<string, never>;
}
export type AppliedEvent = keyof WorkflowInputs;

/** The guard of a transition beyond its state: null lets it happen. */
function guard<E extends AppliedEvent>(event: E, input: WorkflowInputs[E]): ArticleError | null {
  if (event === Submit) {
    const { missingForReview } = input as WorkflowInputs[typeof Submit];
    if (missingForReview.length) {
      return new ArticleError(
        ArticleErrorCode.NotReadyForReview,
        'unprocessable',
        `The article is not ready for review: ${missingForReview.map((problem) => problem.field).join(', ')}`,
        missingForReview,
      );
    }
  }
  return null;
}

/** The workflow fields a transition writes besides the status. */
function changesFor<E extends AppliedEvent>(
  article: Article,
  event: E,
  input: WorkflowInputs[E],
  now: Date,
): WorkflowChanges {
  switch (event) {
    case RecordSignOff: {
      const { signOff, byline } = input as WorkflowInputs[typeof RecordSignOff];
      const latestSignOff: LatestSignOff = {
        id: signOff.id,
        revision: signOff.revisionNumber,
        contentHash: signOff.contentHash,
        reviewerId: signOff.reviewerId,
        signedAt: signOff.signedAt.toISOString(),
        byline,
      };
      return { latestSignOff, lastReviewedAt: signOff.signedAt };
    }
    case Publish:
      return {
        publishedRevision: (input as WorkflowInputs[typeof Publish]).revision,
        firstPublishedAt: article.firstPublishedAt ?? now,
      };
    case Unpublish:
      return { publishedRevision: null };
    case ScheduleReReview:
      return { nextReviewDueAt: (input as WorkflowInputs[typeof ScheduleReReview]).dueAt };
    case SetCadence:
      return { reviewCadence: (input as WorkflowInputs[typeof SetCadence]).cadence };
    case RecordAttestedReview:
      return { lastReviewedAt: (input as WorkflowInputs[typeof RecordAttestedReview]).reviewedAt };
    default:
      return {};
  }
}

/** The audit event a caller wants recorded with the transition, built from the article after it. */
export interface TransitionAudit {
  action: AuditAction;
  before?: unknown;
  after: (article: Article) => unknown;
}

/**
 * The only code that changes an article's status or workflow dates. Each change: check the table (and the
 * guard), write the row (bumping its version, so stale ETags are refused), record the caller's audit event,
 * then announce the transition's domain event to whichever modules listen.
 */
@Injectable()
export class ArticleWorkflow {
  constructor(
    private readonly articles: ArticlesRepository,
    private readonly audit: AuditService,
    private readonly events: DomainEvents,
    private readonly clock: Clock,
  ) {}

  async apply<E extends AppliedEvent>(
    tx: EntityManager,
    ctx: TransactionContext,
    article: Article,
    event: E,
    input: WorkflowInputs[E],
    by: { actorId: string | null; audit?: TransitionAudit },
  ): Promise<Article> {
    const status = requireTransition(article.status, event);
    const refused = guard(event, input);
    if (refused) throw refused;
    const changes: WorkflowChanges = { ...changesFor(article, event, input, this.clock.now()) };
    if (status !== article.status) changes.status = status;
    await this.articles.writeWorkflow(tx, article, changes);
    if (by.audit) {
      await this.audit.record(tx, {
        actorId: by.actorId,
        action: by.audit.action,
        entityType: 'article',
        entityId: article.id,
        articleId: article.id,
        before: by.audit.before,
        after: by.audit.after(article),
      });
    }
    await this.announce(tx, ctx, article, event, input, by.actorId);
    return article;
  }

  /**
   * `apply` whose article write is the first part of ONE statement with the caller's own writes
   * (`ArticlesRepository.writeWorkflowWith`: the caller's CTEs follow `article_write`, its parameters numbered
   * from `firstParameter`); `rest` is called once the article shows the transition. Returns the rows of the
   * caller's final query. The same table, guard and announcement as `apply`.
   */
  async applyWith<E extends AppliedEvent, T>(
    tx: EntityManager,
    ctx: TransactionContext,
    article: Article,
    event: E,
    input: WorkflowInputs[E],
    actorId: string | null,
    rest: (firstParameter: number) => { ctes: string[]; query: string; parameters: unknown[] },
  ): Promise<T[]> {
    const status = requireTransition(article.status, event);
    const refused = guard(event, input);
    if (refused) throw refused;
    const changes: WorkflowChanges = { ...changesFor(article, event, input, this.clock.now()) };
    if (status !== article.status) changes.status = status;
    const rows = await this.articles.writeWorkflowWith<T>(tx, article, changes, rest);
    await this.announce(tx, ctx, article, event, input, actorId);
    return rows;
  }

  /**
   * `apply` of one event to several articles in one transaction (the import's batches): every transition is
   * checked first (the first illegal one refuses them all, nothing written), then all rows are written together.
   */
  async applyToMany<E extends AppliedEvent>(
    tx: EntityManager,
    ctx: TransactionContext,
    event: E,
    items: readonly { article: Article; input: WorkflowInputs[E] }[],
    by: { actorId: string | null; audit?: TransitionAudit },
  ): Promise<void> {
    const now = this.clock.now();
    const writes = items.map(({ article, input }) => {
      const status = requireTransition(article.status, event);
      const refused = guard(event, input);
      if (refused) throw refused;
      const changes: WorkflowChanges = { ...changesFor(article, event, input, now) };
      if (status !== article.status) changes.status = status;
      return { article, changes };
    });
    await this.articles.writeWorkflowMany(tx, writes);
    const audit = by.audit;
    if (audit) {
      await this.audit.recordMany(
        tx,
        items.map(({ article }) => ({
          actorId: by.actorId,
          action: audit.action,
          entityType: 'article',
          entityId: article.id,
          articleId: article.id,
          before: audit.before,
          after: audit.after(article),
        })),
      );
    }
    for (const { article, input } of items) {
      await this.announce(tx, ctx, article, event, input, by.actorId);
    }
  }

  /**
   * Saves an edit as the next revision, with the revision and its audit event, in one statement (a conditional
   * UPDATE on the expected version); the status follows the table's `edit` row. Null when the version had moved
   * on (nothing is written).
   */
  saveEdit(
    article: Article,
    edit: Omit<ArticleEdit, 'status'>,
    revision: Parameters<ArticlesRepository['advanceToNextRevision']>[1],
    audit: (advanced: { version: number; currentRevision: number; status: ArticleStatus }) => AuditInput,
  ): Promise<{
    version: number;
    currentRevision: number;
    status: ArticleStatus;
    parsedSearchVectors: string[];
  } | null> {
    const status = requireTransition(article.status, Edit);
    // The UPDATE applies only on the expected version, and every change of an article bumps its version: the
    // row it moves on is the one that was read, so its next version and revision are known before it runs.
    const next = { version: edit.expectedVersion + 1, currentRevision: article.currentRevision + 1, status };
    return this.articles
      .advanceToNextRevision({ ...edit, status }, revision, (name, source, first) =>
        this.audit.appendPerRowSql(name, source, audit(next), first),
      )
      .then((advanced) => (advanced ? { ...advanced, status } : null));
  }

  private async announce<E extends AppliedEvent>(
    tx: EntityManager,
    ctx: TransactionContext,
    article: Article,
    event: E,
    input: WorkflowInputs[E],
    actorId: string | null,
  ): Promise<void> {
    const type = ANNOUNCES[event];
    if (!type) return;
    if (actorId === null) throw new Error(`${type} needs an actor`);
    if (type === 'article.signed') {
      const { signOff } = input as WorkflowInputs[typeof RecordSignOff];
      await this.events.emit(tx, ctx, { type, article, signOff, actorId });
    } else if (type !== 'article.edited') {
      await this.events.emit(tx, ctx, { type, article, actorId });
    }
  }
}
