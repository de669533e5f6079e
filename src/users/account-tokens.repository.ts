import { Injectable } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { IsNull, type EntityManager } from 'typeorm';
import { UserError, UserErrorCode } from './users.exception.js';
import { AccountToken, type AccountTokenPurpose } from './account-token.entity.js';

export function sha256(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** Single-use e-mail links. The raw token (256 random bits) leaves this class only inside the e-mail. */
@Injectable()
export class AccountTokensRepository {
  /** A new link for the user; every unused link of the same purpose stops working. */
  async issue(
    tx: EntityManager,
    userId: string,
    purpose: AccountTokenPurpose,
    now: Date,
    expiresAt: Date,
  ): Promise<{ token: string; row: AccountToken }> {
    const repo = tx.getRepository(AccountToken);
    await repo.update({ userId, purpose, usedAt: IsNull() }, { usedAt: now });
    const token = randomBytes(32).toString('base64url');
    const row = await repo.save(
      repo.create({ userId, purpose, tokenHash: sha256(token), expiresAt, usedAt: null }),
    );
    return { token, row };
  }

  /** Whether the link would be accepted now, without using it (the page that shows the form asks first). */
  async check(manager: EntityManager, token: string, purpose: AccountTokenPurpose, now: Date): Promise<void> {
    const row = TOKEN_SHAPE.test(token)
      ? await manager.getRepository(AccountToken).findOne({ where: { tokenHash: sha256(token) } })
      : null;
    refuseUnusable(row, purpose, now);
  }

  /**
   * Uses the link once: locks its row, refuses one that is unknown, of another purpose, used, voided or expired
   * (400 naming the field), and marks it used in the caller's transaction.
   */
  async consume(
    tx: EntityManager,
    token: string,
    purpose: AccountTokenPurpose,
    now: Date,
  ): Promise<AccountToken> {
    const row = TOKEN_SHAPE.test(token)
      ? await tx
          .getRepository(AccountToken)
          .findOne({ where: { tokenHash: sha256(token) }, lock: { mode: 'pessimistic_write' } })
      : null;
    refuseUnusable(row, purpose, now);
    row.usedAt = now;
    await tx.getRepository(AccountToken).save(row);
    return row;
  }
}

function refuseUnusable(
  row: AccountToken | null,
  purpose: AccountTokenPurpose,
  now: Date,
): asserts row is AccountToken {
  const refuse = (reason: string) =>
    new UserError(UserErrorCode.LinkNotUsable, 'invalid', `This link ${reason}; ask for a new one`, [
      { field: 'token', reason },
    ]);
  if (!row || row.purpose !== purpose) throw refuse('is not valid');
  if (row.usedAt) throw refuse('was already used or replaced by a newer one');
  if (row.expiresAt.getTime() <= now.getTime()) throw refuse('has expired');
}
