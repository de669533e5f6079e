import { DateTime, Duration } from 'luxon';

/** The shortest and longest re-review cadence an editor may set. */
export const CADENCE_MIN = 'P1D';
export const CADENCE_MAX = 'P5Y';

/** A fixed instant to measure calendar durations from (P1M and P1Y vary in length; this is deterministic). */
const REFERENCE = DateTime.fromISO('2000-01-01T00:00:00Z', { zone: 'utc' });
const MIN_END = REFERENCE.plus(Duration.fromISO(CADENCE_MIN));
const MAX_END = REFERENCE.plus(Duration.fromISO(CADENCE_MAX));

/**
 * The one rule for a re-review cadence: an ISO-8601 duration from P1D to P5Y, with no negative part. Everything
 * else (P999999Y, PT1S, P-1D, "3 years") is refused at input, and ignored if it is found stored.
 */
export function parseCadence(value: unknown): Duration | null {
  if (typeof value !== 'string' || value.length > 40) return null;
  const duration = Duration.fromISO(value);
  if (!duration.isValid) return null;
  if (Object.values(duration.toObject()).some((part) => typeof part === 'number' && part < 0)) return null;
  const end = REFERENCE.plus(duration);
  if (!end.isValid || end < MIN_END || end > MAX_END) return null;
  return duration;
}

export const CADENCE_RULE = `an ISO-8601 duration from ${CADENCE_MIN} to ${CADENCE_MAX}, such as P12M or P3Y`;
