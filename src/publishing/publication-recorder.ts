import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { AppConfig } from '../core/config/app-config.js';
import { Clock } from '../core/clock/clock.js';
import type { TransactionContext } from '../core/database/transaction.js';
import { Publication } from './publication.entity.js';
import { PublishingQueue } from './publishing.queue.js';
import { WebhookDelivery } from './webhook-delivery.entity.js';

export const SITE_TARGET = 'site';
export const DIRECTORY_TARGET = 'directory';

export interface PublicationInput {
  articleId: string;
  action: Publication['action'];
  revisionNumber: number;
  signOffId: string | null;
  htmlChecksum: string | null;
  actorId: string | null;
}

/**
 * Records one Publication per target (the service's own site, the directory export, each webhook URL) and a
 * pending WebhookDelivery per webhook; after commit, asks for the directory sync and the deliveries.
 */
@Injectable()
export class PublicationRecorder {
  constructor(
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly queue: PublishingQueue,
  ) {}

  targets(): string[] {
    return [SITE_TARGET, DIRECTORY_TARGET, ...this.config.env.WEBHOOK_URLS];
  }

  async record(
    tx: EntityManager,
    ctx: TransactionContext,
    inputs: PublicationInput[],
    options: { syncDirectory: boolean },
  ): Promise<Publication[]> {
    if (!inputs.length) return [];
    const createdAt = this.clock.now();
    const rows = await this.insertPublications(
      tx,
      inputs.flatMap((input) => this.targets().map((target) => ({ ...input, target }))),
      createdAt,
    );
    await this.afterInsert(tx, ctx, rows, options);
    return rows;
  }

  /**
   * `record` in two steps, for a caller that writes the rows in a statement of its own: the rows (their ids
   * made here) and the data-modifying CTE `publications_write` that inserts them, parameters numbered from
   * `firstParameter`; once that statement has run, `recorded` does the rest of `record`.
   */
  prepare(
    input: PublicationInput,
    firstParameter: number,
  ): { rows: Publication[]; cte: string; parameters: unknown[] } {
    const createdAt = this.clock.now();
    const rows = this.targets().map((target) =>
      Object.assign(new Publication(), {
        id: randomUUID(),
        articleId: input.articleId,
        action: input.action,
        revisionNumber: input.revisionNumber,
        signOffId: input.signOffId,
        htmlChecksum: input.htmlChecksum,
        target,
        actorId: input.actorId,
        createdAt,
      }),
    );
    const $ = (n: number) => `$${firstParameter + n - 1}`;
    return {
      rows,
      cte: `publications_write AS (
         INSERT INTO publications (id, article_id, action, revision_number, sign_off_id, html_checksum, target,
                                   actor_id, created_at)
         SELECT p.id, ${$(2)}::uuid, ${$(3)}, ${$(4)}::int, ${$(5)}::uuid, ${$(6)}, p.target, ${$(7)}::uuid,
                ${$(8)}::timestamptz
           FROM unnest(${$(1)}::uuid[], ${$(9)}::varchar[]) WITH ORDINALITY AS p(id, target, n)
       )`,
      parameters: [
        rows.map((row) => row.id),
        input.articleId,
        input.action,
        input.revisionNumber,
        input.signOffId,
        input.htmlChecksum,
        input.actorId,
        createdAt,
        rows.map((row) => row.target),
      ],
    };
  }

  /** What `record` does once the rows are inserted: the pending webhook deliveries, the after-commit jobs. */
  recorded(
    tx: EntityManager,
    ctx: TransactionContext,
    rows: Publication[],
    options: { syncDirectory: boolean },
  ): Promise<void> {
    return this.afterInsert(tx, ctx, rows, options);
  }

  private async afterInsert(
    tx: EntityManager,
    ctx: TransactionContext,
    rows: Publication[],
    options: { syncDirectory: boolean },
  ): Promise<void> {
    const webhookUrls = new Set(this.config.env.WEBHOOK_URLS);
    const deliveries = tx.getRepository(WebhookDelivery);
    const toDeliver = rows.filter((row) => webhookUrls.has(row.target));
    const pending = toDeliver.length
      ? await deliveries.save(
          toDeliver.map((row) =>
            deliveries.create({
              articleId: row.articleId,
              publicationId: row.id,
              url: row.target,
              event: row.action === 'unpublish' ? 'unpublish' : 'publish',
              status: 'pending',
              attempts: 0,
            }),
          ),
          { chunk: 500 },
        )
      : [];
    if (options.syncDirectory) ctx.afterCommit(() => this.queue.syncDirectory());
    if (pending.length) ctx.afterCommit(() => this.queue.deliverWebhooks(pending.map((d) => d.id)));
  }

  /** One INSERT for all the rows (a publish writes one per target), returning them as entities. */
  private async insertPublications(
    tx: EntityManager,
    rows: (PublicationInput & { target: string })[],
    createdAt: Date,
  ): Promise<Publication[]> {
    const inserted: { id: string; article_id: string; target: string }[] = await tx.query(
      `INSERT INTO publications (article_id, action, revision_number, sign_off_id, html_checksum, target, actor_id,
                                 created_at)
       SELECT p.article_id, p.action, p.revision_number, p.sign_off_id, p.html_checksum, p.target, p.actor_id, $8
         FROM unnest($1::uuid[], $2::varchar[], $3::int[], $4::uuid[], $5::char(64)[], $6::varchar[], $7::uuid[])
              WITH ORDINALITY AS p(article_id, action, revision_number, sign_off_id, html_checksum, target, actor_id, n)
        ORDER BY p.n
       RETURNING id, article_id, target`,
      [
        rows.map((row) => row.articleId),
        rows.map((row) => row.action),
        rows.map((row) => row.revisionNumber),
        rows.map((row) => row.signOffId),
        rows.map((row) => row.htmlChecksum),
        rows.map((row) => row.target),
        rows.map((row) => row.actorId),
        createdAt,
      ],
    );
    // Matched by article and target, whatever order RETURNING gives them in.
    const ids = new Map<string, string[]>();
    for (const row of inserted) {
      const key = `${row.article_id} ${row.target}`;
      ids.set(key, [...(ids.get(key) ?? []), row.id]);
    }
    return rows.map((row) =>
      Object.assign(new Publication(), {
        id: ids.get(`${row.articleId} ${row.target}`)!.shift()!,
        articleId: row.articleId,
        action: row.action,
        revisionNumber: row.revisionNumber,
        signOffId: row.signOffId,
        htmlChecksum: row.htmlChecksum,
        target: row.target,
        actorId: row.actorId,
        createdAt,
      }),
    );
  }
}
