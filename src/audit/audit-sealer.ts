import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Client } from 'pg';
import { AppConfig } from '../core/config/app-config.js';
import { Clock } from '../core/clock/clock.js';
import {
  type AuditEventRow,
  hashOfRow,
  checkpointSignatureHolds,
  GENESIS_HASH,
  signCheckpoint,
  type SignedCheckpoint,
} from './audit-chain.js';
import { AuditCheckpointFiles } from './audit-checkpoint-files.js';

/** Session-level advisory lock held by the one process that seals (any worker may take over when it goes). */
export const AUDIT_SEALER_LOCK = 727_301_003;
/** How often a worker that is not the sealer tries to become it. */
const TAKE_OVER_EVERY_MS = 2000;
const RECONNECT_MS = 1000;

interface CheckpointRow {
  seq: string;
  first_seq: string;
  head_hash: string;
  sealed_at: Date;
  hmac: string;
}

export function checkpointFromRow(row: CheckpointRow): SignedCheckpoint {
  return {
    seq: row.seq,
    firstSeq: row.first_seq,
    headHash: row.head_hash,
    sealedAt: row.sealed_at.toISOString(),
    hmac: row.hmac,
  };
}

/**
 * Gives committed audit events their place in the hash chain, in batches, and signs each batch's head.
 *
 * Runs in worker processes; one of them at a time holds AUDIT_SEALER_LOCK on its own connection and seals on
 * that connection, so when the process or its connection dies the lock goes with it and another worker takes
 * over. Order: an event is sealed only when its inserting transaction is older than every transaction still
 * running (txid < the snapshot's xmin), in (txid, id) order. Every transaction that can still insert has a txid
 * at or above that xmin, so no event can later appear before one already sealed, whatever order ids were drawn
 * and transactions committed in.
 */
@Injectable()
export class AuditSealer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('AuditSealer');
  private client?: Client;
  private holdsLock = false;
  private stopped = false;
  private running?: Promise<void>;
  private wake?: () => void;
  /** The last checkpoint known to be in the file (read once when this process becomes the sealer). */
  private lastFiledSeq?: bigint;

  constructor(
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly files: AuditCheckpointFiles,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.runsWorkers) this.start();
  }

  /** Starts sealing (or waiting to take over); worker processes do at boot. */
  start(): void {
    this.running ??= this.loop();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.running;
    await this.disconnect();
  }

  /** Whether this process is the sealer now. */
  get isSealer(): boolean {
    return this.holdsLock;
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      let pause = this.config.env.AUDIT_SEAL_EVERY_MS;
      try {
        if (!(await this.becomeSealer())) {
          pause = TAKE_OVER_EVERY_MS;
        } else {
          const sealed = await this.sealBatch();
          await this.fileCheckpoints();
          // A full batch means more are waiting: go on at once.
          if (sealed >= this.config.env.AUDIT_SEAL_BATCH) pause = 0;
        }
      } catch (error) {
        if (this.stopped) break;
        this.logger.warn(`sealing paused: ${(error as Error).message}`);
        await this.disconnect();
        pause = RECONNECT_MS;
      }
      if (pause > 0) await this.sleep(pause);
    }
  }

  private async becomeSealer(): Promise<boolean> {
    if (this.holdsLock && this.client) return true;
    if (!this.client) {
      const client = new Client({ connectionString: this.config.env.DATABASE_URL });
      client.on('error', (error) => {
        this.logger.warn(`sealer connection lost: ${error.message}`);
        if (this.client === client) {
          this.client = undefined;
          this.holdsLock = false;
        }
      });
      await client.connect();
      this.client = client;
    }
    const [{ locked }] = (
      await this.client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [
        AUDIT_SEALER_LOCK,
      ])
    ).rows;
    this.holdsLock = locked;
    if (locked) {
      this.lastFiledSeq = undefined;
      this.logger.log('this process seals the audit trail');
    }
    return locked;
  }

  /** Seals up to AUDIT_SEAL_BATCH events in one transaction, with their signed checkpoint; returns how many. */
  async sealBatch(): Promise<number> {
    const client = this.client;
    if (!client || !this.holdsLock) return 0;
    await client.query('BEGIN');
    try {
      const { rows: events } = await client.query<AuditEventRow>(
        `SELECT id, occurred_at, actor_id, action, entity_type, entity_id, article_id, before, after
           FROM audit_events
          WHERE seq IS NULL AND txid < pg_snapshot_xmin(pg_current_snapshot())::text::bigint
          ORDER BY txid, id
          LIMIT $1`,
        [this.config.env.AUDIT_SEAL_BATCH],
      );
      if (!events.length) {
        await client.query('COMMIT');
        return 0;
      }
      const { rows: heads } = await client.query<{ seq: string; hash: string }>(
        'SELECT seq, hash FROM audit_events WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1',
      );
      let seq = heads.length ? BigInt(heads[0].seq) : 0n;
      let prevHash = heads.length ? heads[0].hash : GENESIS_HASH;
      const firstSeq = seq + 1n;
      const ids: string[] = [];
      const seqs: string[] = [];
      const prevHashes: string[] = [];
      const hashes: string[] = [];
      for (const event of events) {
        seq += 1n;
        const hash = hashOfRow(event, seq.toString(), prevHash);
        ids.push(event.id);
        seqs.push(seq.toString());
        prevHashes.push(prevHash);
        hashes.push(hash);
        prevHash = hash;
      }
      await client.query(
        `UPDATE audit_events AS e SET seq = v.seq, prev_hash = v.prev_hash, hash = v.hash
           FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[]) AS v(id, seq, prev_hash, hash)
          WHERE e.id = v.id`,
        [ids, seqs, prevHashes, hashes],
      );
      const checkpoint = signCheckpoint(this.config.env.AUDIT_KEY, {
        seq: seq.toString(),
        firstSeq: firstSeq.toString(),
        headHash: prevHash,
        sealedAt: this.clock.now().toISOString(),
      });
      await client.query(
        `INSERT INTO audit_checkpoints (seq, first_seq, head_hash, sealed_at, hmac) VALUES ($1, $2, $3, $4, $5)`,
        [checkpoint.seq, checkpoint.firstSeq, checkpoint.headHash, checkpoint.sealedAt, checkpoint.hmac],
      );
      await client.query('COMMIT');
      return events.length;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  /**
   * Appends to the checkpoint file every checkpoint committed since the last one filed: the one just sealed, and
   * any a crash left out between commit and append. Only checkpoints signed with AUDIT_KEY are copied.
   */
  private async fileCheckpoints(): Promise<void> {
    const client = this.client;
    if (!client) return;
    if (this.lastFiledSeq === undefined) {
      const { checkpoints } = await this.files.readAll();
      this.lastFiledSeq = checkpoints.reduce((max, c) => (BigInt(c.seq) > max ? BigInt(c.seq) : max), 0n);
    }
    const { rows } = await client.query<CheckpointRow>(
      'SELECT seq, first_seq, head_hash, sealed_at, hmac FROM audit_checkpoints WHERE seq > $1 ORDER BY seq',
      [this.lastFiledSeq.toString()],
    );
    const toFile: SignedCheckpoint[] = [];
    for (const row of rows) {
      const checkpoint = checkpointFromRow(row);
      if (!checkpointSignatureHolds(this.config.env.AUDIT_KEY, checkpoint)) {
        this.logger.error(
          `audit checkpoint ${checkpoint.seq} in the database is not signed with AUDIT_KEY; not filed`,
        );
        break;
      }
      toFile.push(checkpoint);
    }
    await this.files.append(toFile);
    if (toFile.length) this.lastFiledSeq = BigInt(toFile[toFile.length - 1].seq);
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }

  private async disconnect(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.holdsLock = false;
    await client?.end().catch(() => undefined);
  }
}
