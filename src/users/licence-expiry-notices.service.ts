import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DateTime } from 'luxon';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { Clock } from '../core/clock/clock.js';
import { AppConfig } from '../core/config/app-config.js';
import { inTransaction } from '../core/database/transaction.js';
import { NotificationsService, type OutgoingEmail } from '../notifications/notifications.service.js';
import { UsersRepository } from './users.repository.js';

/** Days before a licence's expiry on which the physician and the admins are told, largest first. */
export const LICENCE_NOTICE_DAYS = [60, 14] as const;
export type LicenceNoticeDays = (typeof LICENCE_NOTICE_DAYS)[number];

/**
 * The notice due for a licence with `daysLeft` days to go (0 = it expires today, still valid that day): the
 * smallest threshold it has reached, so a run that missed the exact day still sends it, and a licence entered
 * with 10 days left gets only the 14-day notice. None once it has expired or while it is further away.
 */
export function licenceNoticeDue(daysLeft: number): LicenceNoticeDays | null {
  if (daysLeft < 0) return null;
  let due: LicenceNoticeDays | null = null;
  for (const days of LICENCE_NOTICE_DAYS) if (daysLeft <= days) due = days;
  return due;
}

/**
 * Licence-expiry e-mails: 60 and 14 days before a reviewer's licence expires, to the physician and every
 * active admin. Each notice is sent once per licence (physician, licence number and expiry date) and recipient:
 * the outbox's dedupe key is stored in PostgreSQL, so a rerun, a retried job or a restart sends nothing twice,
 * and a renewed licence (a new expiry date) starts its own notices.
 */
@Injectable()
export class LicenceExpiryNotices {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly users: UsersRepository,
    private readonly notifications: NotificationsService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly config: AppConfig,
  ) {}

  /** Queues the notices due today (in the publication's time zone); answers how many e-mails were new. */
  async send(): Promise<number> {
    const zone = this.config.env.PUBLICATION_TIMEZONE;
    const today = DateTime.fromJSDate(this.clock.now(), { zone }).startOf('day');
    const horizon = today.plus({ days: Math.max(...LICENCE_NOTICE_DAYS) });
    return inTransaction(this.dataSource, async (tx, ctx) => {
      const expiring = await this.users.findActiveReviewersWithLicenceExpiring(
        today.toISODate()!,
        horizon.toISODate()!,
        tx,
      );
      if (!expiring.length) return 0;
      const admins = await this.users.findActiveByRole('admin', tx);
      let queued = 0;
      for (const { user, profile } of expiring) {
        const expires = DateTime.fromISO(profile.licenseExpiresOn, { zone }).startOf('day');
        const daysLeft = Math.round(expires.diff(today, 'days').days);
        const notice = licenceNoticeDue(daysLeft);
        if (!notice) continue;
        const recipients = [user, ...admins.filter((admin) => admin.id !== user.id)];
        const emails: OutgoingEmail[] = recipients.map((recipient) => ({
          dedupeKey: `licence-expiry:${user.id}:${profile.licenseNumber}:${profile.licenseExpiresOn}:P${notice}D:${recipient.id}`,
          template: 'licence-expiry',
          to: { address: recipient.email, userId: recipient.id },
          context: {
            recipientName: recipient.name,
            forPhysician: recipient.id === user.id,
            physicianName: profile.displayName,
            licenseNumber: profile.licenseNumber,
            licenseRegion: profile.licenseRegion,
            expiresText: expires.toFormat('LLLL d, yyyy'),
            daysText: daysLeft === 0 ? 'less than a day' : daysLeft === 1 ? '1 day' : `${daysLeft} days`,
            profileUrl: new URL(
              recipient.id === user.id ? '/desk' : `/desk/admin/licences/${user.id}`,
              this.config.env.PUBLIC_BASE_URL,
            ).toString(),
          },
        }));
        const inserted = await this.notifications.queue(tx, ctx, emails);
        if (inserted) {
          await this.audit.record(tx, {
            actorId: null,
            action: 'reviewer_licence.expiry_notice_sent',
            entityType: 'reviewer_profile',
            entityId: user.id,
            after: {
              licenseNumber: profile.licenseNumber,
              licenseExpiresOn: profile.licenseExpiresOn,
              daysBefore: notice,
              recipients: inserted,
            },
          });
        }
        queued += inserted;
      }
      return queued;
    });
  }
}
