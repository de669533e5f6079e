import { parseByline, parseReviewDate } from './byline-parser.js';

const NY = 'America/New_York';

describe('attested review bylines', () => {
  it("reads the seed's byline: name, credentials, affiliation and the date in the publication's zone", () => {
    expect(
      parseByline(
        'Medically reviewed by Alan Lucks | MD, Alan Lucks MDPC Private Practice - New York on January 10th, 2026.',
        NY,
      ),
    ).toEqual({
      reviewerName: 'Alan Lucks',
      credentials: 'MD',
      affiliation: 'Alan Lucks MDPC Private Practice - New York',
      reviewedOn: '2026-01-10',
      byline:
        'Medically reviewed by Alan Lucks | MD, Alan Lucks MDPC Private Practice - New York on January 10th, 2026.',
    });
  });

  it('reads the comma form this service prints, and says when the date is missing', () => {
    expect(
      parseByline('Medically reviewed by Jane Roe, DO, City Clinic on March 3rd, 2025', NY),
    ).toMatchObject({
      reviewerName: 'Jane Roe',
      credentials: 'DO',
      affiliation: 'City Clinic',
      reviewedOn: '2025-03-03',
    });
    expect(parseByline('Medically reviewed by Jane Roe, DO', NY)).toMatchObject({
      reviewerName: 'Jane Roe',
      credentials: 'DO',
      reviewedOn: null,
    });
    expect(parseByline('Written by Jane Roe', NY)).toBeNull();
  });

  it('keeps a late-evening New York timestamp on its New York day', () => {
    expect(parseReviewDate('2026-01-11T04:30:00Z', NY)).toBe('2026-01-10');
    expect(parseReviewDate('Jan 2, 2026', NY)).toBe('2026-01-02');
    expect(parseReviewDate('21st of never', NY)).toBeNull();
  });
});
