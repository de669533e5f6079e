import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, InsertQueryBuilder, Repository } from 'typeorm';
import { AppConfig } from '../core/config/app-config.js';
import { Clock } from '../core/clock/clock.js';
import type { AuditAction } from './audit-action.js';
import { AuditEvent } from './audit-event.entity.js';
import { AuditCheckpointFiles } from './audit-checkpoint-files.js';
import { AUDIT_SEALER_LOCK } from './audit-sealer.js';
import { verifyAuditChain, type ChainReport } from './audit-verification.js';

export type { ChainReport } from './audit-verification.js';

type InsertValues = Parameters<InsertQueryBuilder<AuditEvent>['values']>[0];

export interface AuditInput {
  actorId: string | null;
  action: AuditAction;
  entityType: string;
  entityId: string;
  articleId?: string | null;
  before?: unknown;
  after?: unknown;
}

/** Plain JSON, as PostgreSQL's jsonb will hand it back (dates become strings). */
function plain(value: unknown): unknown {
  return value === undefined ? null : (JSON.parse(JSON.stringify(value)) as unknown);
}

/** A jsonb parameter, stored as `plain` stores it: undefined and null are SQL null, dates become strings. */
function jsonParameter(value: unknown): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value);
}

/**
 * The audit event of a one-statement write: a data-modifying CTE named `name` that appends the event once per
 * row of `source`, with its parameters numbered from `firstParameter` (AuditService.appendPerRowSql).
 */
export type AuditCte = (
  name: string,
  source: string,
  firstParameter: number,
) => { sql: string; parameters: unknown[] };

export interface AuditFilter {
  articleId?: string;
  entityType?: string;
  entityId?: string;
  actorId?: string;
  action?: string;
  afterId?: string;
  limit: number;
}

/** Events waiting for the sealer, against the ceiling past which /health reports the trail degraded. */
export interface AuditBacklog {
  unsealed: number;
  limit: number;
  exceeded: boolean;
  /** Whether some worker process holds the sealer's lock in this database. */
  sealerRunning: boolean;
}

/** Rows per multi-row INSERT of `recordMany` (twelve columns each, far under PostgreSQL's 65,535 parameters). */
const AUDIT_INSERT_ROWS = 1000;

@Injectable()
export class AuditService {
  constructor(
    @InjectRepository(AuditEvent) private readonly events: Repository<AuditEvent>,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly config: AppConfig,
    private readonly files: AuditCheckpointFiles,
  ) {}

  /**
   * Appends an event inside the caller's transaction (so the event and the change commit together). A plain
   * INSERT: no lock and no read of the chain; the sealer chains it after the transaction has finished.
   */
  async record(manager: EntityManager, input: AuditInput): Promise<AuditEvent> {
    if (!manager.queryRunner?.isTransactionActive) {
      return manager.transaction((tx) => this.record(tx, input));
    }
    const event = manager.getRepository(AuditEvent).create({
      occurredAt: this.clock.now(),
      actorId: input.actorId,
      action: input.action,
      entityType: input.entityType,
      entityId: input.entityId,
      articleId: input.articleId ?? null,
      before: plain(input.before),
      after: plain(input.after),
      seq: null,
      prevHash: null,
      hash: null,
    });
    // Plain SQL, the same columns `recordMany` writes: one event per audited request, and TypeORM's insert
    // building was a visible part of a publish's cost (#15 §2).
    const [row] = await manager.query<{ id: string }[]>(
      `INSERT INTO audit_events (occurred_at, actor_id, action, entity_type, entity_id, article_id, before, after,
                                 seq, prev_hash, hash, txid)
       VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb, NULL, NULL, NULL, pg_current_xact_id()::text::bigint)
       RETURNING id`,
      [
        event.occurredAt,
        event.actorId,
        event.action,
        event.entityType,
        event.entityId,
        event.articleId,
        jsonParameter(event.before),
        jsonParameter(event.after),
      ],
    );
    event.id = String(row.id);
    return event;
  }

  /**
   * The SQL of a data-modifying CTE, `name AS (INSERT INTO audit_events … SELECT … FROM source)`, that appends
   * this event once for each row of `source` (a CTE of the caller's statement, typically its conditional UPDATE's
   * RETURNING): for a caller that makes its change and records it in ONE statement, so the event commits with
   * the change, and is not written when the change is not. The same columns and transaction id as `record`
   * (a single statement is its own transaction: `pg_current_xact_id()` is that transaction's). Its parameters
   * are numbered from `$firstParameter`.
   */
  appendPerRowSql(
    name: string,
    source: string,
    input: AuditInput,
    firstParameter: number,
  ): { sql: string; parameters: unknown[] } {
    const $ = (offset: number) => `$${firstParameter + offset}`;
    return this.perRowInsert(name, source, input, firstParameter, {
      sql: `${$(4)}, ${$(5)}::uuid, ${$(6)}::jsonb, ${$(7)}::jsonb`,
      parameters: [
        input.entityId,
        input.articleId ?? null,
        jsonParameter(input.before),
        jsonParameter(input.after),
      ],
    });
  }

  /**
   * As appendPerRowSql, for events that differ per row: `source` gives each event's `entity_id`, `article_id` and
   * `after` (jsonb) columns; the actor, action and entity type are the same for every row, and `before` is null.
   * For a caller that changes several rows and records each change in the same statement.
   */
  appendRowsSql(
    name: string,
    source: string,
    fields: Pick<AuditInput, 'actorId' | 'action' | 'entityType'>,
    firstParameter: number,
  ): { sql: string; parameters: unknown[] } {
    return this.perRowInsert(name, source, fields, firstParameter, {
      sql: 'entity_id, article_id, NULL, after',
      parameters: [],
    });
  }

  /** The CTE of appendPerRowSql and appendRowsSql: `rest` gives entity_id, article_id, before and after. */
  private perRowInsert(
    name: string,
    source: string,
    fields: Pick<AuditInput, 'actorId' | 'action' | 'entityType'>,
    firstParameter: number,
    rest: { sql: string; parameters: unknown[] },
  ): { sql: string; parameters: unknown[] } {
    const $ = (offset: number) => `$${firstParameter + offset}`;
    return {
      sql: `${name} AS (
        INSERT INTO audit_events (occurred_at, actor_id, action, entity_type, entity_id, article_id, before, after, txid)
        SELECT ${$(0)}::timestamptz, ${$(1)}::uuid, ${$(2)}, ${$(3)}, ${rest.sql}, pg_current_xact_id()::text::bigint
          FROM ${source})`,
      parameters: [this.clock.now(), fields.actorId, fields.action, fields.entityType, ...rest.parameters],
    };
  }

  /**
   * Appends several events inside the caller's transaction in multi-row INSERTs (the batch writes: imports,
   * batch drafts and comments), so a batch of n events costs ceil(n / 1,000) round trips instead of n. The events
   * are the same as n calls of `record` would write: same columns, same transaction id, sealed the same way.
   */
  async recordMany(manager: EntityManager, inputs: readonly AuditInput[]): Promise<void> {
    if (!inputs.length) return;
    if (!manager.queryRunner?.isTransactionActive) {
      return manager.transaction((tx) => this.recordMany(tx, inputs));
    }
    const occurredAt = this.clock.now();
    for (let start = 0; start < inputs.length; start += AUDIT_INSERT_ROWS) {
      const values = inputs.slice(start, start + AUDIT_INSERT_ROWS).map((input) => ({
        occurredAt,
        actorId: input.actorId,
        action: input.action,
        entityType: input.entityType,
        entityId: input.entityId,
        articleId: input.articleId ?? null,
        before: plain(input.before),
        after: plain(input.after),
        seq: null,
        prevHash: null,
        hash: null,
        txid: () => 'pg_current_xact_id()::text::bigint',
      }));
      await manager
        .createQueryBuilder()
        .insert()
        .into(AuditEvent)
        .values(values as unknown as InsertValues)
        .updateEntity(false)
        .execute();
    }
  }

  list(filter: AuditFilter): Promise<AuditEvent[]> {
    const query = this.events.createQueryBuilder('e').orderBy('e.id', 'DESC').limit(filter.limit);
    if (filter.articleId) query.andWhere('e.articleId = :articleId', { articleId: filter.articleId });
    if (filter.entityType) query.andWhere('e.entityType = :entityType', { entityType: filter.entityType });
    if (filter.entityId) query.andWhere('e.entityId = :entityId', { entityId: filter.entityId });
    if (filter.actorId) query.andWhere('e.actorId = :actorId', { actorId: filter.actorId });
    if (filter.action) query.andWhere('e.action = :action', { action: filter.action });
    if (filter.afterId) query.andWhere('e.id < :afterId', { afterId: filter.afterId });
    return query.getMany();
  }

  async backlog(): Promise<AuditBacklog> {
    const [row] = await this.dataSource.query<{ unsealed: number; sealer: boolean }[]>(
      `SELECT (SELECT count(*)::int FROM audit_events WHERE seq IS NULL) AS unsealed,
              EXISTS (SELECT 1 FROM pg_locks
                       WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                         AND ((classid::bigint << 32) | objid::bigint) = $1 AND objsubid = 1) AS sealer`,
      [AUDIT_SEALER_LOCK],
    );
    const limit = this.config.env.AUDIT_BACKLOG_LIMIT;
    return { unsealed: row.unsealed, limit, exceeded: row.unsealed > limit, sealerRunning: row.sealer };
  }

  /**
   * Checks the sealed chain link by link, every checkpoint's HMAC under AUDIT_KEY, and that the checkpoint files
   * agree with the chain and the database's checkpoints. Reports the first thing that does not hold.
   */
  async verifyChain(): Promise<ChainReport> {
    // The files first: whatever they hold was committed before, so the snapshot below sees it.
    const filed = await this.files.readAll();
    return this.dataSource.transaction('REPEATABLE READ', async (tx) =>
      verifyAuditChain(tx, this.config.env.AUDIT_KEY, filed, await this.backlog()),
    );
  }
}
