import type { SignOff } from './sign-off.entity.js';
import { localIsoDate } from './byline.js';

/** A licence is valid through the end of its expiry day, in the publication's time zone. */
export function licenceValidOn(
  licenseExpiresOn: string | null | undefined,
  instant: Date,
  timeZone: string,
): boolean {
  return !!licenseExpiresOn && localIsoDate(instant, timeZone) <= licenseExpiresOn;
}

export type CoverageProblem = 'no_sign_off' | 'stale_sign_off' | 'licence_expired_at_signing';

/**
 * Whether a sign-off allows exactly this revision to go live: it must cover this revision by number and by
 * content hash, and the reviewer's licence must have been valid when they signed.
 */
export function signOffCoverage(
  signOff: SignOff | null,
  revision: { number: number; contentHash: string },
  timeZone: string,
): { ok: true } | { ok: false; problem: CoverageProblem; message: string } {
  if (!signOff) {
    return {
      ok: false,
      problem: 'no_sign_off',
      message: `Revision ${revision.number} has no medical sign-off; it must be reviewed and approved first`,
    };
  }
  if (signOff.revisionNumber !== revision.number || signOff.contentHash !== revision.contentHash) {
    return {
      ok: false,
      problem: 'stale_sign_off',
      message: `The latest sign-off covers revision ${signOff.revisionNumber}, not revision ${revision.number}; the current revision must be reviewed again`,
    };
  }
  if (!licenceValidOn(signOff.licenseExpiresOn, signOff.signedAt, timeZone)) {
    return {
      ok: false,
      problem: 'licence_expired_at_signing',
      message: `The reviewer's licence expired on ${signOff.licenseExpiresOn}, before the sign-off; it cannot be published`,
    };
  }
  return { ok: true };
}
