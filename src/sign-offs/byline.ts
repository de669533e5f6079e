import { DateTime } from 'luxon';

export interface SignerSnapshot {
  reviewerDisplayName: string;
  reviewerCredentials: string;
  reviewerAffiliation: string;
  signedAt: Date;
}

function ordinal(day: number): string {
  const teen = day % 100 >= 11 && day % 100 <= 13;
  const suffix = teen ? 'th' : (({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[day % 10] ?? 'th');
  return `${day}${suffix}`;
}

/** An instant's calendar date in a time zone: ISO (YYYY-MM-DD) and as review dates are written. */
export interface LocalDay {
  iso: string;
  text: string;
}

/**
 * Both forms, remembered by instant and zone: time-zone arithmetic (luxon) is a visible part of a publish, which
 * needs the sign-off's date several times (the gate's licence check, the page, the byline it answers with).
 */
const localDays = new Map<string, LocalDay>();
const LOCAL_DAYS_KEPT = 10_000;

export function localDay(instant: Date, timeZone: string): LocalDay {
  const key = `${instant.getTime()}|${timeZone}`;
  let day = localDays.get(key);
  if (!day) {
    const local = DateTime.fromJSDate(instant, { zone: timeZone });
    day = { iso: local.toISODate()!, text: `${local.toFormat('LLLL')} ${ordinal(local.day)}, ${local.year}` };
    if (localDays.size >= LOCAL_DAYS_KEPT) localDays.clear();
    localDays.set(key, day);
  }
  return day;
}

/** "January 10th, 2026": the date of an instant in the publication's time zone, with an ordinal day. */
export function formatReviewDate(instant: Date, timeZone: string): string {
  return localDay(instant, timeZone).text;
}

/** The calendar date (YYYY-MM-DD) of an instant in the publication's time zone. */
export function localIsoDate(instant: Date, timeZone: string): string {
  return localDay(instant, timeZone).iso;
}

/** "Medically reviewed by Alan Lucks, MD, Alan Lucks MDPC Private Practice - New York on January 10th, 2026" */
export function bylineText(signer: SignerSnapshot, timeZone: string): string {
  return bylineOn(signer, formatReviewDate(signer.signedAt, timeZone));
}

/** The byline with the date already formatted (`formatReviewDate`). */
export function bylineOn(signer: Omit<SignerSnapshot, 'signedAt'>, dateText: string): string {
  const who = [signer.reviewerDisplayName, signer.reviewerCredentials, signer.reviewerAffiliation]
    .map((part) => part.trim())
    .filter(Boolean)
    .join(', ');
  return `Medically reviewed by ${who} on ${dateText}`;
}
