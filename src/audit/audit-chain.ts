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
