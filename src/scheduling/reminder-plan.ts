import { DateTime, type Duration } from 'luxon';

export interface ReminderPlanConfig {
  /** Reminders before the due date, e.g. P30D and P7D. */
  offsets: Duration[];
  /** Repeat of overdue reminders after the due date, e.g. P7D. */
  overdueEvery: Duration;
}

/** Which reminder: N before the due date, on it, or the Nth after it. */
export type ReminderKind = `before-${string}` | 'due' | `overdue-${number}`;

export interface PlannedReminder {
  kind: ReminderKind;
  at: Date;
}

const before = (offset: Duration): ReminderKind => `before-${offset.toISO()}`;

/** The reminders before the due date, earliest first, then the one on the due date. */
function leadUp(dueAt: Date, config: ReminderPlanConfig): PlannedReminder[] {
  const due = DateTime.fromJSDate(dueAt);
  const early = config.offsets
    .map((offset) => ({ kind: before(offset), at: due.minus(offset).toJSDate() }))
    .sort((a, b) => a.at.getTime() - b.at.getTime());
  return [...early, { kind: 'due', at: dueAt }];
}

function overdue(n: number, dueAt: Date, config: ReminderPlanConfig): PlannedReminder {
  let at = DateTime.fromJSDate(dueAt);
  for (let i = 0; i < n; i++) at = at.plus(config.overdueEvery);
  return { kind: `overdue-${n}`, at: at.toJSDate() };
}

/**
 * The first reminder of a fresh sign-off: the earliest one that is not already in the past when it was
 * signed (a 3-month cadence with a 30-day reminder gets it; a 1-week cadence skips straight to the 7-day one).
 */
export function firstReminder(signedAt: Date, dueAt: Date, config: ReminderPlanConfig): PlannedReminder {
  return leadUp(dueAt, config).find((reminder) => reminder.at >= signedAt) ?? { kind: 'due', at: dueAt };
}

/** The reminder that follows `kind`: the next one before the due date, then due, then overdue every N. */
export function followingReminder(
  kind: ReminderKind,
  dueAt: Date,
  config: ReminderPlanConfig,
): PlannedReminder {
  const match = /^overdue-(\d+)$/.exec(kind);
  if (match) return overdue(Number(match[1]) + 1, dueAt, config);
  if (kind === 'due') return overdue(1, dueAt, config);
  const plan = leadUp(dueAt, config);
  const index = plan.findIndex((reminder) => reminder.kind === kind);
  return index >= 0 ? plan[index + 1] : { kind: 'due', at: dueAt };
}

export function isOverdueKind(kind: ReminderKind): boolean {
  return kind.startsWith('overdue-');
}
