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

/** "January 10th, 2026": the date of an instant in the publication's time zone, with an ordinal day. */
export function formatReviewDate(instant: Date, timeZone: string): string {
  const local = DateTime.fromJSDate(instant, { zone: timeZone });
  return `${local.toFormat('LLLL')} ${ordinal(local.day)}, ${local.year}`;
}

/** The calendar date (YYYY-MM-DD) of an instant in the publication's time zone. */
export function localIsoDate(instant: Date, timeZone: string): string {
  return DateTime.fromJSDate(instant, { zone: timeZone }).toISODate()!;
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
