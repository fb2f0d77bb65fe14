import { timingSafeEqual } from 'crypto';
import type { IncomingHttpHeaders } from 'http';

export interface OriginVerifierOptions {
  /** Header CloudFront sends (TieredCdn `originVerify.headerName`). @default 'x-origin-verify' */
  readonly header?: string;
  /**
   * The accepted values: the secret's current value and, during a rotation, the previous one.
   * Called on every request, so it can return values a background refresh keeps up to date.
   */
  readonly values: () => readonly string[];
}

/**
 * A check for origins behind a TieredCdn: true when the request carries the origin-verify header
 * with one of the accepted values. Compares in constant time, so the value cannot be guessed
 * byte by byte from response times.
 */
export function originVerifier(options: OriginVerifierOptions): (headers: IncomingHttpHeaders) => boolean {
  const header = (options.header ?? 'x-origin-verify').toLowerCase();
  return (headers) => {
    const received = headers[header];
    if (typeof received !== 'string' || received.length === 0) return false;
    const got = Buffer.from(received);
    let ok = false;
    for (const value of options.values()) {
      const want = Buffer.from(value);
      // Every accepted value is compared, whichever matches, to keep the timing flat.
      if (value.length > 0 && want.length === got.length && timingSafeEqual(want, got)) ok = true;
    }
    return ok;
  };
}
