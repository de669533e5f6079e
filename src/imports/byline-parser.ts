import { DateTime } from 'luxon';
import type { AttestedReviewInput } from './parsed-article.js';

const BYLINE = /(?:medically\s+)?reviewed\s+by\s+(.+)/i;
const DATE_FORMATS = [
  'LLLL d, yyyy',
  'LLL d, yyyy',
  'd LLLL yyyy',
  'd LLL yyyy',
  'yyyy-MM-dd',
  'LLLL d yyyy',
];

/**
 * A calendar date as publishers print it ("January 10th, 2026", "Jan 10, 2026", "10 January 2026",
 * "2026-01-10", or an ISO timestamp) as YYYY-MM-DD; null when it is not a date. A timestamp is read in the
 * publication's time zone, so 23:30 in New York stays that day.
 */
export function parseReviewDate(text: string, timeZone: string): string | null {
  const key = `${timeZone}\u0000${text}`;
  if (!parsedDates.has(key)) {
    // A site prints few distinct dates over many pages: Luxon compiles a format on every call, so remember.
    if (parsedDates.size >= PARSED_DATES_KEPT) parsedDates.clear();
    parsedDates.set(key, readReviewDate(text, timeZone));
  }
  return parsedDates.get(key)!;
}

const PARSED_DATES_KEPT = 10_000;
const parsedDates = new Map<string, string | null>();

function readReviewDate(text: string, timeZone: string): string | null {
  const trimmed = text.trim().replace(/\.$/, '');
  if (/^\d{4}-\d{2}-\d{2}T/.test(trimmed)) {
    const instant = DateTime.fromISO(trimmed, { setZone: true });
    return instant.isValid ? instant.setZone(timeZone).toISODate() : null;
  }
  const plain = trimmed.replace(/(\d{1,2})(st|nd|rd|th)\b/i, '$1').replace(/\s+/g, ' ');
  for (const format of DATE_FORMATS) {
    const date = DateTime.fromFormat(plain, format, { zone: timeZone, locale: 'en-US' });
    if (date.isValid) return date.toISODate();
  }
  return null;
}

/** Splits "NAME | CREDENTIALS, AFFILIATION" (the seed's form) or "NAME, CREDENTIALS, AFFILIATION". */
export function parseReviewer(
  who: string,
): Pick<AttestedReviewInput, 'reviewerName' | 'credentials' | 'affiliation'> {
  const clean = who.replace(/\s+/g, ' ').trim();
  const [name, rest] = clean.includes('|')
    ? [clean.slice(0, clean.indexOf('|')), clean.slice(clean.indexOf('|') + 1)]
    : [clean.split(',')[0], clean.split(',').slice(1).join(',')];
  const parts = rest.split(',');
  return {
    reviewerName: name.trim(),
    credentials: (parts[0] ?? '').trim(),
    affiliation: parts.slice(1).join(',').trim(),
  };
}

/**
 * "Medically reviewed by Alan Lucks | MD, Alan Lucks MDPC Private Practice - New York on January 10th, 2026."
 * Null when the text carries no such byline; `reviewedOn` is null when the byline has no readable date.
 */
export function parseByline(text: string, timeZone: string): AttestedReviewInput | null {
  const line = text.replace(/\s+/g, ' ').trim();
  const match = BYLINE.exec(line);
  if (!match) return null;
  const rest = match[1].trim();
  const on = rest.lastIndexOf(' on ');
  const date = on >= 0 ? parseReviewDate(rest.slice(on + 4), timeZone) : null;
  const who = date ? rest.slice(0, on) : rest.replace(/\.$/, '');
  return { ...parseReviewer(who), reviewedOn: date, byline: line.slice(match.index) };
}
