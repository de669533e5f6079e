import type { EntityManager } from 'typeorm';
import {
  type AuditEventRow,
  hashOfRow,
  checkpointSignatureHolds,
  GENESIS_HASH,
  type SignedCheckpoint,
} from './audit-chain.js';
import { checkpointFromRow } from './audit-sealer.js';

export interface ChainReport {
  /** Whether every sealed event, every checkpoint and every checkpoint file line holds. */
  valid: boolean;
  /** Sealed events checked. */
  checked: number;
  firstBroken: null | { id: string; reason: string };
  /** Events recorded but not sealed yet (not covered by the chain until they are). */
  unsealed: number;
  /** The backlog ceiling (AUDIT_BACKLOG_LIMIT) past which /health reports the audit trail degraded. */
  backlogLimit: number;
  /** Signed checkpoints in the database, and lines of the checkpoint file. */
  checkpoints: { database: number; files: number; lastSeq: string | null };
}

interface SealedRow extends AuditEventRow {
  seq: string;
  prev_hash: string;
  hash: string;
}

const BATCH = 2000;

/** Runs inside one REPEATABLE READ transaction, so a sealer running meanwhile does not move the chain under it. */
export async function verifyAuditChain(
  tx: EntityManager,
  key: string,
  filed: { checkpoints: SignedCheckpoint[]; malformed: number },
  backlog: { unsealed: number; limit: number },
): Promise<ChainReport> {
  const rows = await tx.query<Parameters<typeof checkpointFromRow>[0][]>(
    'SELECT seq, first_seq, head_hash, sealed_at, hmac FROM audit_checkpoints ORDER BY seq',
  );
  const stored = rows.map(checkpointFromRow);
  const storedBySeq = new Map(stored.map((checkpoint) => [checkpoint.seq, checkpoint]));
  const filedBySeq = new Map<string, SignedCheckpoint>();
  const report = (checked: number, firstBroken: ChainReport['firstBroken']): ChainReport => ({
    valid: firstBroken === null,
    checked,
    firstBroken,
    unsealed: backlog.unsealed,
    backlogLimit: backlog.limit,
    checkpoints: {
      database: stored.length,
      files: filed.checkpoints.length,
      lastSeq: stored.length ? stored[stored.length - 1].seq : null,
    },
  });
  const broken = (checked: number, id: string, reason: string) => report(checked, { id, reason });

  if (filed.malformed) {
    return broken(
      0,
      'checkpoint file',
      `${filed.malformed} line(s) of the checkpoint file are not checkpoints`,
    );
  }
  for (const checkpoint of filed.checkpoints) {
    if (!checkpointSignatureHolds(key, checkpoint)) {
      return broken(
        0,
        `checkpoint ${checkpoint.seq}`,
        'a checkpoint in the file is not signed with AUDIT_KEY',
      );
    }
    const inDatabase = storedBySeq.get(checkpoint.seq);
    if (
      !inDatabase ||
      inDatabase.headHash !== checkpoint.headHash ||
      inDatabase.firstSeq !== checkpoint.firstSeq ||
      inDatabase.hmac !== checkpoint.hmac
    ) {
      return broken(
        0,
        `checkpoint ${checkpoint.seq}`,
        inDatabase
          ? 'the checkpoint file and the database disagree on this checkpoint'
          : 'the checkpoint file has a checkpoint the database does not',
      );
    }
    filedBySeq.set(checkpoint.seq, checkpoint);
  }

  let prevHash = GENESIS_HASH;
  let expectedSeq = 1n;
  let nextFirstSeq = '1';
  let checked = 0;
  let lastId: string | undefined;
  for (;;) {
    const batch = await tx.query<SealedRow[]>(
      `SELECT id, seq, occurred_at, actor_id, action, entity_type, entity_id, article_id, before, after,
              prev_hash, hash
         FROM audit_events WHERE seq IS NOT NULL AND seq >= $1 ORDER BY seq LIMIT $2`,
      [expectedSeq.toString(), BATCH],
    );
    for (const event of batch) {
      if (BigInt(event.seq) !== expectedSeq) {
        return broken(checked, event.id, `seq ${expectedSeq} is missing from the chain`);
      }
      if (event.prev_hash !== prevHash) {
        return broken(checked, event.id, 'prevHash does not match the previous event');
      }
      const hash = hashOfRow(event, event.seq, prevHash);
      if (hash !== event.hash) return broken(checked, event.id, 'content does not match its hash');
      const checkpoint = storedBySeq.get(event.seq);
      if (checkpoint) {
        if (!checkpointSignatureHolds(key, checkpoint)) {
          return broken(
            checked,
            event.id,
            `checkpoint ${checkpoint.seq} in the database is not signed with AUDIT_KEY`,
          );
        }
        if (checkpoint.headHash !== event.hash || checkpoint.firstSeq !== nextFirstSeq) {
          return broken(checked, event.id, `the chain does not match signed checkpoint ${checkpoint.seq}`);
        }
        nextFirstSeq = (expectedSeq + 1n).toString();
      }
      prevHash = event.hash;
      expectedSeq += 1n;
      checked += 1;
      lastId = event.id;
    }
    if (batch.length < BATCH) break;
  }

  const lastSeq = (expectedSeq - 1n).toString();
  const lastSigned = stored.length ? stored[stored.length - 1].seq : '0';
  if (lastSigned !== lastSeq) {
    return BigInt(lastSigned) > BigInt(lastSeq)
      ? broken(
          checked,
          `checkpoint ${lastSigned}`,
          'a signed checkpoint covers events missing from the chain',
        )
      : broken(
          checked,
          lastId ?? '0',
          `events after seq ${lastSigned} are sealed but covered by no signed checkpoint`,
        );
  }
  return report(checked, null);
}
