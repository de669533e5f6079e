import { mkdir, open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Injectable } from '@nestjs/common';
import { AppConfig } from '../core/config/app-config.js';
import type { SignedCheckpoint } from './audit-chain.js';

/**
 * Signed checkpoints kept outside the database: one JSON line per checkpoint, appended (and fsynced) by the
 * sealer, read by verification. One file per database, named after it, so two databases never share a file.
 */
@Injectable()
export class AuditCheckpointFiles {
  readonly path: string;

  constructor(config: AppConfig) {
    const database = decodeURIComponent(new URL(config.env.DATABASE_URL).pathname.slice(1)) || 'postgres';
    this.path = join(
      config.env.AUDIT_CHECKPOINT_DIR,
      `${database.replace(/[^\w.-]/g, '_')}.checkpoints.jsonl`,
    );
  }

  async append(checkpoints: SignedCheckpoint[]): Promise<void> {
    if (!checkpoints.length) return;
    await mkdir(join(this.path, '..'), { recursive: true });
    const file = await open(this.path, 'a', 0o640);
    try {
      await file.appendFile(checkpoints.map((checkpoint) => JSON.stringify(checkpoint) + '\n').join(''));
      await file.sync();
    } finally {
      await file.close();
    }
  }

  /** Every checkpoint in the file, in file order; a line that is not a checkpoint is returned as `malformed`. */
  async readAll(): Promise<{ checkpoints: SignedCheckpoint[]; malformed: number }> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { checkpoints: [], malformed: 0 };
      throw error;
    }
    const checkpoints: SignedCheckpoint[] = [];
    let malformed = 0;
    // A line cut short by a crash mid-append is the last one; it has no newline and is ignored.
    const lines = text.split('\n');
    for (const line of lines.slice(0, -1)) {
      if (!line.trim()) continue;
      const parsed = parseCheckpoint(line);
      if (parsed) checkpoints.push(parsed);
      else malformed += 1;
    }
    return { checkpoints, malformed };
  }
}

function parseCheckpoint(line: string): SignedCheckpoint | undefined {
  try {
    const value = JSON.parse(line) as Record<string, unknown>;
    const fields = ['seq', 'firstSeq', 'headHash', 'sealedAt', 'hmac'] as const;
    if (!fields.every((field) => typeof value[field] === 'string')) return undefined;
    return {
      seq: value.seq as string,
      firstSeq: value.firstSeq as string,
      headHash: value.headHash as string,
      sealedAt: value.sealedAt as string,
      hmac: value.hmac as string,
    };
  } catch {
    return undefined;
  }
}
