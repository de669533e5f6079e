import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { Clock } from '../core/clock/clock.js';
import { canonicalJson, sha256Hex } from '../core/crypto/content-hash.js';
import type { AuditAction } from './audit-action.js';
import { AuditEvent } from './audit-event.entity.js';

export const GENESIS_HASH = '0'.repeat(64);
/** Serialises appends so that each event links to the one before it. */
const AUDIT_CHAIN_LOCK = 727_301_002;

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

export function auditEventHash(event: Omit<AuditEvent, 'id' | 'hash'>): string {
  return sha256Hex(
    canonicalJson({
      occurredAt: event.occurredAt.toISOString(),
      actorId: event.actorId,
      action: event.action,
      entityType: event.entityType,
      entityId: event.entityId,
      articleId: event.articleId,
      before: event.before,
      after: event.after,
      prevHash: event.prevHash,
    }),
  );
}

export interface AuditFilter {
  articleId?: string;
  entityType?: string;
  entityId?: string;
  actorId?: string;
  action?: string;
  afterId?: string;
  limit: number;
}

export interface ChainReport {
  valid: boolean;
  checked: number;
  firstBroken: null | { id: string; reason: string };
}

@Injectable()
export class AuditService {
  constructor(
    @InjectRepository(AuditEvent) private readonly events: Repository<AuditEvent>,
    private readonly clock: Clock,
  ) {}

  /** Appends an event inside the caller's transaction (so the event and the change commit together). */
  async record(manager: EntityManager, input: AuditInput): Promise<AuditEvent> {
    if (!manager.queryRunner?.isTransactionActive) {
      return manager.transaction((tx) => this.record(tx, input));
    }
    await manager.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_CHAIN_LOCK]);
    const last = await manager
      .getRepository(AuditEvent)
      .createQueryBuilder('e')
      .select('e.hash', 'hash')
      .orderBy('e.id', 'DESC')
      .limit(1)
      .getRawOne<{ hash: string }>();
    const event = manager.getRepository(AuditEvent).create({
      occurredAt: this.clock.now(),
      actorId: input.actorId,
      action: input.action,
      entityType: input.entityType,
      entityId: input.entityId,
      articleId: input.articleId ?? null,
      before: plain(input.before),
      after: plain(input.after),
      prevHash: last?.hash ?? GENESIS_HASH,
    });
    event.hash = auditEventHash(event);
    return manager.getRepository(AuditEvent).save(event);
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

  /** Recomputes the whole chain in id order and reports the first event whose link or hash does not hold. */
  async verifyChain(batchSize = 2000): Promise<ChainReport> {
    let prevHash = GENESIS_HASH;
    let lastId = '0';
    let checked = 0;
    for (;;) {
      const batch = await this.events
        .createQueryBuilder('e')
        .where('e.id > :lastId', { lastId })
        .orderBy('e.id', 'ASC')
        .limit(batchSize)
        .getMany();
      for (const event of batch) {
        if (event.prevHash !== prevHash) {
          return {
            valid: false,
            checked,
            firstBroken: { id: event.id, reason: 'prevHash does not match the previous event' },
          };
        }
        if (auditEventHash(event) !== event.hash) {
          return {
            valid: false,
            checked,
            firstBroken: { id: event.id, reason: 'content does not match its hash' },
          };
        }
        prevHash = event.hash;
        checked += 1;
      }
      if (batch.length < batchSize) return { valid: true, checked, firstBroken: null };
      lastId = batch[batch.length - 1].id;
    }
  }
}
