import { Duration } from 'luxon';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../core/config/app-config.js';
import { EMAIL_TEMPLATES } from './email-templates.js';
import {
  automaticResendOf,
  automaticResends,
  RESEND_POLICY,
  type ResendPolicy,
  whatHappensNext,
} from './resend-policy.js';

const TEMPLATE_FOLDERS = readdirSync(join(import.meta.dirname, '..', '..', 'templates', 'emails'), {
  withFileTypes: true,
})
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

const policies = RESEND_POLICY as Readonly<Record<string, ResendPolicy | undefined>>;

describe('resend policy: what happens to an email whose delivery is unknown', () => {
  it('has an entry for every email template, and for nothing else', () => {
    expect(TEMPLATE_FOLDERS.length).toBeGreaterThan(0);
    expect(TEMPLATE_FOLDERS.filter((template) => !policies[template])).toEqual([]);
    expect(EMAIL_TEMPLATES.filter((template) => !policies[template])).toEqual([]);
    expect(Object.keys(RESEND_POLICY).sort()).toEqual(TEMPLATE_FOLDERS);
  });

  it('re-sends only reminders, digests, escalations and licence notices; every other email asks a person', () => {
    const resent = Object.entries(RESEND_POLICY)
      .filter(([, policy]) => policy.onUnknown === 'resend-after')
      .map(([template]) => template)
      .sort();
    expect(resent).toEqual(['digest', 'licence-expiry', 'overdue-escalation', 'review-reminder']);
    for (const template of [
      'invitation',
      'password-reset',
      'approved',
      'ready-to-publish',
      'review-requested',
    ]) {
      expect(automaticResendOf(template)).toBeNull();
    }
    expect(automaticResendOf('no-such-template')).toBeNull();
  });

  it('waits long enough for any SMTP conversation in progress to end, and re-sends a bounded number of times', () => {
    for (const [template, policy] of Object.entries(RESEND_POLICY)) {
      if (policy.onUnknown !== 'resend-after') continue;
      const grace = Duration.fromISO(policy.grace);
      expect({ template, valid: grace.isValid }).toEqual({ template, valid: true });
      // The SMTP transport gives up on a silent connection after 60 s; the grace is far longer.
      expect(grace.toMillis()).toBeGreaterThanOrEqual(5 * 60_000);
      expect(policy.maxResends).toBeGreaterThanOrEqual(1);
      expect(policy.maxResends).toBeLessThanOrEqual(5);
    }
  });

  it('resolves the grace from the table, or from EMAIL_RESEND_GRACE when set', () => {
    expect(automaticResendOf('review-reminder')).toEqual({
      template: 'review-reminder',
      graceMs: 15 * 60_000,
      maxResends: 2,
    });
    const override = Duration.fromISO('PT5S');
    expect(automaticResends(override).map((resend) => resend.graceMs)).toEqual([5000, 5000, 5000, 5000]);
  });

  it('tells a person what happens next: an automatic re-send with its count, or their decision', () => {
    const id = '<6f1c@reviews.example.org>';
    expect(whatHappensNext({ template: 'review-reminder', autoResends: 0 }, id, undefined)).toBe(
      "Look for Message-ID <6f1c@reviews.example.org> in the mail server's log; unless someone marks it sent " +
        'or retries it first, it is sent again automatically, with the same Message-ID, 15 minutes after its ' +
        'last attempt (automatic re-send 1 of 2).',
    );
    expect(whatHappensNext({ template: 'review-reminder', autoResends: 2 }, id, undefined)).toBe(
      'It was already sent again automatically 2 time(s), the most its template allows. ' +
        "Look for Message-ID <6f1c@reviews.example.org> in the mail server's log, then retry or mark it sent.",
    );
    expect(whatHappensNext({ template: 'invitation', autoResends: 0 }, id, undefined)).toBe(
      "Look for Message-ID <6f1c@reviews.example.org> in the mail server's log, then retry or mark it sent.",
    );
  });

  it('accepts EMAIL_RESEND_GRACE from PT1S to P1D and names it otherwise', () => {
    const minimal = {
      ENV_FILE: 'none',
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/x',
      REDIS_URL: 'redis://127.0.0.1:6379',
      JWT_SECRET: 'a'.repeat(32),
      AUDIT_KEY: 'k'.repeat(32),
      ADMIN_EMAIL: 'admin@example.com',
      ADMIN_PASSWORD: 'long-enough-password',
    };
    expect(loadConfig(minimal).env.EMAIL_RESEND_GRACE).toBeUndefined();
    expect(loadConfig({ ...minimal, EMAIL_RESEND_GRACE: 'PT5S' }).env.EMAIL_RESEND_GRACE?.toMillis()).toBe(
      5000,
    );
    for (const wrong of ['PT0S', 'P2D', 'soon']) {
      expect(() => loadConfig({ ...minimal, EMAIL_RESEND_GRACE: wrong })).toThrow(
        /EMAIL_RESEND_GRACE must be an ISO-8601 duration from PT1S to P1D/,
      );
    }
  });
});
