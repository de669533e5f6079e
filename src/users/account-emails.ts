import { Injectable } from '@nestjs/common';
import { DateTime } from 'luxon';
import type { EntityManager } from 'typeorm';
import { AppConfig } from '../core/config/app-config.js';
import type { TransactionContext } from '../core/database/transaction.js';
import { NotificationsService } from '../notifications/notifications.service.js';
import type { AccountToken } from './account-token.entity.js';
import type { User } from './user.entity.js';

/** The e-mails that carry an account link: an invitation to choose a password, and a password reset. */
@Injectable()
export class AccountEmails {
  constructor(
    private readonly notifications: NotificationsService,
    private readonly config: AppConfig,
  ) {}

  /** `<PUBLIC_BASE_URL>/desk/account/<page>?token=<token>` */
  link(page: 'setup' | 'reset', token: string): string {
    const url = new URL(`/desk/account/${page}`, this.config.env.PUBLIC_BASE_URL);
    url.searchParams.set('token', token);
    return url.toString();
  }

  private expiresText(at: Date): string {
    return DateTime.fromJSDate(at)
      .setZone(this.config.env.PUBLICATION_TIMEZONE)
      .toFormat("LLLL d, yyyy 'at' h:mm a ZZZZ");
  }

  async invitation(
    tx: EntityManager,
    ctx: TransactionContext,
    user: Pick<User, 'id' | 'email' | 'name' | 'roles'>,
    inviterName: string,
    token: string,
    row: AccountToken,
  ): Promise<void> {
    await this.notifications.queue(tx, ctx, [
      {
        dedupeKey: `invitation:${row.id}`,
        template: 'invitation',
        to: { address: user.email, userId: user.id },
        context: {
          recipientName: user.name,
          inviterName,
          roles: user.roles.join(', '),
          siteName: this.config.env.SITE_NAME,
          setupUrl: this.link('setup', token),
          expiresText: this.expiresText(row.expiresAt),
        },
      },
    ]);
  }

  async passwordReset(
    tx: EntityManager,
    ctx: TransactionContext,
    user: Pick<User, 'id' | 'email' | 'name'>,
    token: string,
    row: AccountToken,
  ): Promise<void> {
    await this.notifications.queue(tx, ctx, [
      {
        dedupeKey: `password-reset:${row.id}`,
        template: 'password-reset',
        to: { address: user.email, userId: user.id },
        context: {
          recipientName: user.name,
          resetUrl: this.link('reset', token),
          expiresText: this.expiresText(row.expiresAt),
        },
      },
    ]);
  }
}
