import { signingError, signingRefusal, type SigningCandidate } from './signing-rule.js';

const TZ = 'America/New_York';
const at = new Date('2026-01-10T15:00:00Z');
const reviewer = (overrides: Partial<SigningCandidate> = {}): SigningCandidate => ({
  userId: 'r1',
  name: 'Rita Reviewer',
  active: true,
  roles: ['reviewer'],
  profile: { displayName: 'Rita Reviewer', licenseNumber: 'NY-1', licenseExpiresOn: '2030-06-30' },
  ...overrides,
});
const writers = { authorId: 'w1', revisionWriterIds: ['w1', 'e1'] };

describe('who may sign a revision', () => {
  it('lets an active, licensed reviewer who wrote nothing sign', () => {
    expect(signingRefusal(reviewer(), writers, at, TZ)).toBeNull();
    expect(signingRefusal(reviewer(), writers, at, TZ, { assignedReviewerId: 'r1' })).toBeNull();
  });

  it('never lets the author, or the writer of any revision, sign', () => {
    expect(signingRefusal(reviewer({ userId: 'w1' }), writers, at, TZ)).toBe('author');
    expect(signingRefusal(reviewer({ userId: 'e1' }), writers, at, TZ)).toBe('revision_writer');
    // Not even to only review (request changes), which needs no licence.
    expect(signingRefusal(reviewer({ userId: 'e1' }), writers, at, TZ, { signs: false })).toBe(
      'revision_writer',
    );
  });

  it('asks for the assignment when one is in question', () => {
    expect(signingRefusal(reviewer(), writers, at, TZ, { assignedReviewerId: 'r2' })).toBe('not_assigned');
    expect(signingRefusal(reviewer(), writers, at, TZ, { assignedReviewerId: null })).toBe('not_assigned');
  });

  it('needs an active reviewer with a profile whose licence is valid on the day of signing', () => {
    expect(signingRefusal(reviewer({ active: false }), writers, at, TZ)).toBe('not_an_active_reviewer');
    expect(signingRefusal(reviewer({ roles: ['editor'] }), writers, at, TZ)).toBe('not_an_active_reviewer');
    expect(signingRefusal(reviewer({ profile: null }), writers, at, TZ)).toBe('no_reviewer_profile');
    const expiring = reviewer({
      profile: { displayName: 'R', licenseNumber: 'NY-1', licenseExpiresOn: '2026-01-10' },
    });
    // Valid through the end of its expiry day in the publication's time zone, not a moment longer.
    expect(signingRefusal(expiring, writers, at, TZ)).toBeNull();
    expect(signingRefusal(expiring, writers, new Date('2026-01-11T05:00:00Z'), TZ)).toBe('licence_expired');
    expect(signingRefusal(expiring, writers, new Date('2026-01-11T05:00:00Z'), TZ, { signs: false })).toBeNull();
  });

  it('answers "choose another" to an editor (409) and "never" to the signer (403)', () => {
    expect(signingError('author', reviewer(), 'choosing')).toMatchObject({ kind: 'conflict' });
    expect(signingError('author', reviewer(), 'signing')).toMatchObject({
      kind: 'forbidden',
      code: 'sign_off.author_may_not_sign',
    });
    expect(signingError('licence_expired', reviewer(), 'signing').message).toContain('expired on 2030-06-30');
  });
});
