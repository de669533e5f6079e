import { Injectable } from '@nestjs/common';
import { DateTime } from 'luxon';
import { AuditService } from '../../audit/audit.service.js';
import { Clock } from '../../core/clock/clock.js';
import { AppConfig } from '../../core/config/app-config.js';
import type { EmailView } from '../../notifications/email-admin.dto.js';
import { EmailAdminService } from '../../notifications/email-admin.service.js';
import { EMAIL_STATUSES, type EmailStatus } from '../../notifications/email-outbox.entity.js';
import { LICENCE_NOTICE_DAYS } from '../../users/licence-expiry-notices.service.js';
import type { ReviewerProfile } from '../../users/reviewer-profile.entity.js';
import { ROLES } from '../../users/user.entity.js';
import { type PublicUser, UsersService } from '../../users/users.service.js';

type Person = PublicUser & { invited: boolean };

/** A date and time as the admin reads it, in the publication's time zone, with the machine-readable instant. */
interface When {
  iso: string;
  text: string;
}

/**
 * What the admin's pages show, gathered from the services the JSON API uses (UsersService, EmailAdminService,
 * AuditService) and shaped for the templates. It decides nothing: every change goes through those services.
 */
@Injectable()
export class AdminPagesService {
  constructor(
    private readonly users: UsersService,
    private readonly emails: EmailAdminService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly config: AppConfig,
  ) {}

  private when(at: Date | null): When | null {
    if (!at) return null;
    const local = DateTime.fromJSDate(at, { zone: this.config.env.PUBLICATION_TIMEZONE });
    return { iso: at.toISOString(), text: local.toFormat('LLL d, yyyy, h:mm a ZZZZ') };
  }

  /** Days from today (publication time zone) to the licence's last valid day; negative once expired. */
  private daysLeft(expiresOn: string): number {
    const zone = this.config.env.PUBLICATION_TIMEZONE;
    const today = DateTime.fromJSDate(this.clock.now(), { zone }).startOf('day');
    return Math.round(DateTime.fromISO(expiresOn, { zone }).diff(today, 'days').days);
  }

  private licenceView(profile: ReviewerProfile) {
    const daysLeft = this.daysLeft(profile.licenseExpiresOn);
    const soon = Math.max(...LICENCE_NOTICE_DAYS);
    return {
      number: profile.licenseNumber,
      region: profile.licenseRegion,
      expiresOn: profile.licenseExpiresOn,
      expiresText: DateTime.fromISO(profile.licenseExpiresOn).toFormat('LLL d, yyyy'),
      daysLeft,
      state: daysLeft < 0 ? 'expired' : daysLeft <= soon ? 'expiring' : 'valid',
      stateText:
        daysLeft < 0
          ? `expired ${-daysLeft} day${daysLeft === -1 ? '' : 's'} ago`
          : daysLeft === 0
            ? 'expires today'
            : `${daysLeft} day${daysLeft === 1 ? '' : 's'} left`,
    };
  }

  private personView(user: Person) {
    return {
      id: user.id,
      name: user.name,
      email: user.email,
      roles: user.roles,
      rolesText: user.roles.join(', '),
      state: !user.active ? 'deactivated' : user.invited ? 'invited' : 'active',
      active: user.active,
      invited: user.invited && user.active,
      isReviewer: user.roles.includes('reviewer'),
      profile: user.reviewerProfile
        ? {
            displayName: user.reviewerProfile.displayName,
            credentials: user.reviewerProfile.credentials,
            affiliation: user.reviewerProfile.affiliation,
            specialties: user.reviewerProfile.specialties.join(', '),
            licence: this.licenceView(user.reviewerProfile),
          }
        : null,
      createdAt: this.when(user.createdAt),
    };
  }

  /** The role choices of a form, each checked when `chosen` holds it. */
  roleChoices(chosen: readonly string[]) {
    return ROLES.map((role) => ({ role, checked: chosen.includes(role) }));
  }

  async overview() {
    const people = await this.users.listWithInvitationState();
    const licences = people.filter((user) => user.active && user.reviewerProfile);
    const attention = await this.emails.list(undefined, 200);
    return {
      counts: {
        active: people.filter((user) => user.active && !user.invited).length,
        invited: people.filter((user) => user.active && user.invited).length,
        deactivated: people.filter((user) => !user.active).length,
        expiring: licences.filter((user) => this.licenceView(user.reviewerProfile!).state === 'expiring')
          .length,
        expired: licences.filter((user) => this.licenceView(user.reviewerProfile!).state === 'expired')
          .length,
        failed: attention.filter((email) => email.status === 'failed').length,
        unknown: attention.filter((email) => email.status === 'unknown').length,
        pending: attention.filter((email) => email.status === 'pending').length,
      },
    };
  }

  async people() {
    return { people: (await this.users.listWithInvitationState()).map((user) => this.personView(user)) };
  }

  async person(id: string) {
    const person = this.personView(await this.users.getWithInvitationState(id));
    return { person, roleChoices: this.roleChoices(person.roles) };
  }

  /** Everyone with the reviewer role, soonest licence expiry first; those without a profile first of all. */
  async licences() {
    const reviewers = (await this.users.listWithInvitationState())
      .filter((user) => user.roles.includes('reviewer'))
      .map((user) => this.personView(user))
      .sort(
        (a, b) =>
          (a.profile?.licence.daysLeft ?? Number.NEGATIVE_INFINITY) -
          (b.profile?.licence.daysLeft ?? Number.NEGATIVE_INFINITY),
      );
    return { reviewers, noticeDays: LICENCE_NOTICE_DAYS.join(' and ') };
  }

  /** The reviewer profile form's values: what is stored, or empty for a reviewer without one. */
  async licence(id: string) {
    const person = this.personView(await this.users.getWithInvitationState(id));
    const stored = person.profile;
    return {
      person,
      values: {
        displayName: stored?.displayName ?? person.name,
        credentials: stored?.credentials ?? '',
        affiliation: stored?.affiliation ?? '',
        specialties: stored?.specialties ?? '',
        licenseNumber: stored?.licence.number ?? '',
        licenseRegion: stored?.licence.region ?? '',
        licenseExpiresOn: stored?.licence.expiresOn ?? '',
      },
    };
  }

  /** The outbox filtered by status (default: the e-mails that may need a person). */
  async outbox(status: string | undefined) {
    const chosen = EMAIL_STATUSES.includes(status as EmailStatus) ? (status as EmailStatus) : undefined;
    const emails = await this.emails.list(chosen, 100);
    return {
      status: chosen ?? '',
      filters: [
        { value: '', label: 'Needs attention (failed, unknown, pending)', selected: !chosen },
        ...EMAIL_STATUSES.map((value) => ({ value, label: value, selected: chosen === value })),
      ],
      emails: emails.map((email: EmailView) => ({
        id: email.id,
        template: email.template,
        toAddress: email.toAddress,
        status: email.status,
        attempts: email.attempts,
        lastAttemptAt: this.when(email.lastAttemptAt),
        autoResends: email.autoResends,
        autoResendAt: this.when(email.autoResendAt),
        lastError: email.lastError,
        createdAt: this.when(email.createdAt),
        sentAt: this.when(email.sentAt),
        canRetry: email.status === 'failed' || email.status === 'unknown',
        canMarkSent: email.status === 'unknown',
      })),
    };
  }

  async auditChain() {
    const report = await this.audit.verifyChain();
    return { report, checkedAt: this.when(this.clock.now()) };
  }
}
