import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Synchronizer tokens for the desk's forms: HMAC-SHA256 of what the browser holds (the session id once signed
 * in, the form cookie before), under a key derived from JWT_SECRET. A page on another site can neither read the
 * token nor compute it.
 */
export class CsrfTokens {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = createHmac('sha256', secret).update('desk-csrf-v1').digest();
  }

  tokenFor(binding: string): string {
    return createHmac('sha256', this.key).update(binding).digest('base64url');
  }

  /** True when `token` is the token of one of the bindings the browser presents. */
  matches(token: unknown, bindings: (string | undefined)[]): boolean {
    if (typeof token !== 'string' || token.length !== 43) return false;
    const given = Buffer.from(token);
    return bindings.some((binding) => {
      if (!binding) return false;
      const expected = Buffer.from(this.tokenFor(binding));
      return expected.length === given.length && timingSafeEqual(expected, given);
    });
  }
}

/**
 * The Origin check that goes with the token: a state-changing request must come from the service's own origin
 * (PUBLIC_BASE_URL). Browsers send Origin with every form POST; when a privacy setting strips it, the Referer
 * is checked instead; with neither, the token alone decides.
 */
export function sameOrigin(
  publicBaseUrl: string,
  origin: string | undefined,
  referer: string | undefined,
): boolean {
  const own = new URL(publicBaseUrl).origin;
  if (origin !== undefined) return origin === own;
  if (referer !== undefined) {
    try {
      return new URL(referer).origin === own;
    } catch {
      return false;
    }
  }
  return true;
}
