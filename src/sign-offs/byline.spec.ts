import { bylineText, formatReviewDate, localIsoDate } from './byline.js';

const alan = {
  reviewerDisplayName: 'Alan Lucks',
  reviewerCredentials: 'MD',
  reviewerAffiliation: 'Alan Lucks MDPC Private Practice - New York',
};

describe('byline', () => {
  it('reads like the seed article', () => {
    const signedAt = new Date('2026-01-10T15:00:00Z');
    expect(bylineText({ ...alan, signedAt }, 'America/New_York')).toBe(
      'Medically reviewed by Alan Lucks, MD, Alan Lucks MDPC Private Practice - New York on January 10th, 2026',
    );
  });

  it('dates a signature at 23:30 New York time on that New York day, not the next UTC day', () => {
    const lateEvening = new Date('2026-01-10T23:30:00-05:00'); // 04:30 UTC on January 11th
    expect(lateEvening.toISOString()).toBe('2026-01-11T04:30:00.000Z');
    expect(formatReviewDate(lateEvening, 'America/New_York')).toBe('January 10th, 2026');
    expect(localIsoDate(lateEvening, 'America/New_York')).toBe('2026-01-10');
  });

  it('dates a signature at 00:30 New York time on that New York day, not the previous UTC-less day', () => {
    const justAfterMidnight = new Date('2026-01-11T00:30:00-05:00'); // 05:30 UTC
    expect(formatReviewDate(justAfterMidnight, 'America/New_York')).toBe('January 11th, 2026');
    expect(formatReviewDate(justAfterMidnight, 'Asia/Tokyo')).toBe('January 11th, 2026');
    expect(formatReviewDate(new Date('2026-01-11T03:00:00Z'), 'America/Los_Angeles')).toBe(
      'January 10th, 2026',
    );
  });

  it.each([
    [1, '1st'],
    [2, '2nd'],
    [3, '3rd'],
    [4, '4th'],
    [11, '11th'],
    [12, '12th'],
    [13, '13th'],
    [21, '21st'],
    [22, '22nd'],
    [23, '23rd'],
    [31, '31st'],
  ])('uses the ordinal day %i -> %s', (day, text) => {
    const instant = new Date(Date.UTC(2026, 2, day, 17));
    expect(formatReviewDate(instant, 'America/New_York')).toBe(`March ${text}, 2026`);
  });
});
