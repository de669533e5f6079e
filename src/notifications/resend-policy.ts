import { Duration } from 'luxon';
import type { EmailTemplate } from './notifications.service.js';

/**
 * What happens to an email whose delivery is unknown (its worker died mid-send, or the connection broke after
 * the message was handed over), decided per template:
 * - `resend-after`: a reminder, whose copy does no harm: once `grace` has passed since its last attempt, the
 *   outbox relay sends it again with the same Message-ID (fixed when the row was created), so servers and
 *   clients that deduplicate collapse the copy; at most `maxResends` times, then a person decides.
 * - `ask-human`: a duplicate would mislead (a second invitation or reset link, a second "approved" or "ready to
 *   publish"): it stays `unknown` until an admin marks it sent or retries it.
 *
 * The grace must outlast the longest SMTP conversation (a row still `sending` may belong to a live worker);
 * `EMAIL_RESEND_GRACE` replaces every grace below (tests and demos).
 */
export type ResendPolicy =
  { onUnknown: 'resend-after'; grace: string; maxResends: number } | { onUnknown: 'ask-human' };

const REMINDER: ResendPolicy = { onUnknown: 'resend-after', grace: 'PT15M', maxResends: 2 };
const ASK_HUMAN: ResendPolicy = { onUnknown: 'ask-human' };

/** One entry per template of templates/emails/ (a unit test fails when one is missing). */
export const RESEND_POLICY: Readonly<Record<EmailTemplate, ResendPolicy>> = {
  'review-reminder': REMINDER,
  'overdue-escalation': REMINDER,
  digest: REMINDER,
  'licence-expiry': REMINDER,
  'review-requested': ASK_HUMAN,
  'review-declined': ASK_HUMAN,
  'changes-requested': ASK_HUMAN,
  approved: ASK_HUMAN,
  'ready-to-publish': ASK_HUMAN,
  invitation: ASK_HUMAN,
  'password-reset': ASK_HUMAN,
};

/** A `resend-after` policy with its grace resolved (and overridden by configuration when set). */
export interface AutomaticResend {
  template: EmailTemplate;
  graceMs: number;
  maxResends: number;
}

/** The automatic re-send of a template, or null when a person decides. */
export function automaticResendOf(template: string, graceOverride?: Duration): AutomaticResend | null {
  const policy = (RESEND_POLICY as Readonly<Record<string, ResendPolicy | undefined>>)[template];
  if (policy?.onUnknown !== 'resend-after') return null;
  return {
    template: template as EmailTemplate,
    graceMs: (graceOverride ?? Duration.fromISO(policy.grace)).toMillis(),
    maxResends: policy.maxResends,
  };
}

/** Every template re-sent automatically, with its grace resolved. */
export function automaticResends(graceOverride?: Duration): AutomaticResend[] {
  return Object.keys(RESEND_POLICY)
    .map((template) => automaticResendOf(template, graceOverride))
    .filter((resend): resend is AutomaticResend => resend !== null);
}

/** "15 minutes", for messages a person reads. */
export function graceText(graceMs: number): string {
  return Duration.fromMillis(graceMs)
    .shiftTo('hours', 'minutes', 'seconds')
    .removeZeros()
    .toHuman({ unitDisplay: 'long' });
}

/**
 * The second half of an `unknown` row's reason: what a person can check, and whether the outbox relay will send
 * it again by itself (its template's policy, and re-sends left) or waits for them.
 */
export function whatHappensNext(
  row: { template: string; autoResends: number },
  messageId: string,
  graceOverride: Duration | undefined,
): string {
  const look = `Look for Message-ID ${messageId} in the mail server's log`;
  const resend = automaticResendOf(row.template, graceOverride);
  if (!resend) return `${look}, then retry or mark it sent.`;
  if (row.autoResends < resend.maxResends) {
    return (
      `${look}; unless someone marks it sent or retries it first, it is sent again automatically, with the ` +
      `same Message-ID, ${graceText(resend.graceMs)} after its last attempt ` +
      `(automatic re-send ${row.autoResends + 1} of ${resend.maxResends}).`
    );
  }
  return (
    `It was already sent again automatically ${row.autoResends} time(s), the most its template allows. ` +
    `${look}, then retry or mark it sent.`
  );
}
