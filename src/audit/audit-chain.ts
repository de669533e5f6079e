import { createHmac, timingSafeEqual } from 'node:crypto';
import { canonicalJson, sha256Hex } from '../core/crypto/content-hash.js';

/** prevHash of the first event of the chain. */
export const GENESIS_HASH = '0'.repeat(64);

/** What an event's hash covers: its id, its place in the chain, its content and the hash before it. */
export interface ChainedEventFields {
  id: string;
  seq: string;
  occurredAt: Date;
  actorId: string | null;
  action: string;
  entityType: string;
  entityId: string;
  articleId: string | null;
  before: unknown;
  after: unknown;
  prevHash: string;
}

export function auditEventHash(event: ChainedEventFields): string {
  return sha256Hex(
    canonicalJson({
      id: event.id,
      seq: event.seq,
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

/** An event as audit_events stores it (snake_case columns), before its place in the chain is known. */
export interface AuditEventRow {
  id: string;
  occurred_at: Date;
  actor_id: string | null;
  action: string;
  entity_type: string;
  entity_id: string;
  article_id: string | null;
  before: unknown;
  after: unknown;
}

/** The hash of a stored event at chain position `seq` after `prevHash`: the sealer and the verifier share it. */
export function hashOfRow(row: AuditEventRow, seq: string, prevHash: string): string {
  return auditEventHash({
    id: row.id,
    seq,
    occurredAt: row.occurred_at,
    actorId: row.actor_id,
    action: row.action,
    entityType: row.entity_type,
    entityId: row.entity_id,
    articleId: row.article_id,
    before: row.before,
    after: row.after,
    prevHash,
  });
}

/** What a checkpoint signs: the head of the chain after a sealed batch. */
export interface CheckpointFields {
  seq: string;
  firstSeq: string;
  headHash: string;
  sealedAt: string;
}

/** A checkpoint as one line of a checkpoint file (and as stored in audit_checkpoints). */
export interface SignedCheckpoint extends CheckpointFields {
  hmac: string;
}

export function checkpointHmac(key: string, checkpoint: CheckpointFields): string {
  return createHmac('sha256', key)
    .update(
      canonicalJson({
        seq: checkpoint.seq,
        firstSeq: checkpoint.firstSeq,
        headHash: checkpoint.headHash,
        sealedAt: checkpoint.sealedAt,
      }),
      'utf8',
    )
    .digest('hex');
}

export function signCheckpoint(key: string, checkpoint: CheckpointFields): SignedCheckpoint {
  return { ...checkpoint, hmac: checkpointHmac(key, checkpoint) };
}

export function checkpointSignatureHolds(key: string, checkpoint: SignedCheckpoint): boolean {
  const expected = Buffer.from(checkpointHmac(key, checkpoint), 'hex');
  const given = Buffer.from(checkpoint.hmac, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
