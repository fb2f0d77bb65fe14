/**
 * Synthetic viewer traffic for the replay's benchmark and tests (no public CloudFront logs can be
 * had here): Zipf popularity over paths and over query variants, several edge locations, public
 * and personalized routes, a diurnal request rate, desktop and mobile viewers; one seed gives one
 * trace.
 */
export interface TraceRequest {
  /** Milliseconds from the start of the trace. */
  readonly atMs: number;
  /** Index of the edge location. */
  readonly pop: number;
  readonly uri: string;
  readonly query: string;
  readonly userAgent: string;
  readonly cookie?: string;
}

export interface TraceRoute {
  /** Path prefix; request paths are `${prefix}${n}`. */
  readonly prefix: string;
  /** Share of all requests. */
  readonly share: number;
  /** Distinct paths, drawn with Zipf popularity. */
  readonly paths: number;
  /** Query parameters: name -> number of values (Zipf too); a parameter is sent with probability `p`. */
  readonly query?: Readonly<Record<string, { readonly values: number; readonly p: number }>>;
  /** Each request carries a cookie of one of this many viewers. */
  readonly sessions?: number;
  /** Name of that cookie. @default 'session' */
  readonly cookieName?: string;
}

export interface TraceOptions {
  readonly seed: number;
  readonly requests: number;
  /** Length of the trace in seconds. @default 86400 */
  readonly seconds?: number;
  readonly pops: number;
  readonly routes: readonly TraceRoute[];
  /** Zipf exponent. @default 1 */
  readonly zipf?: number;
  /** Share of mobile viewers. @default 0.4 */
  readonly mobileShare?: number;
}

/** mulberry32: small, fast, deterministic. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Draws ranks 0..n-1 with probability proportional to 1/(rank+1)^s. */
export function zipf(n: number, s: number, random: () => number): () => number {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) cdf[i] = sum += 1 / (i + 1) ** s;
  return () => {
    const x = random() * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

export const DESKTOP_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36';
export const MOBILE_UA = 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1';

/**
 * Arrival times follow a diurnal rate (lowest at 04:00, highest at 16:00, a ratio of 4 between
 * them): each request's time is drawn by inverting the cumulative rate, then the times are sorted.
 */
function diurnalTimes(n: number, seconds: number, random: () => number): number[] {
  const rate = (t: number) => 1 + 0.6 * Math.sin(2 * Math.PI * (t / 86400 - 10 / 24));
  const step = Math.max(1, Math.floor(seconds / 2000));
  const cum: number[] = [0];
  for (let t = 0; t < seconds; t += step) cum.push(cum[cum.length - 1] + rate(t) * Math.min(step, seconds - t));
  const total = cum[cum.length - 1];
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = random() * total;
    let lo = 0;
    let hi = cum.length - 1;
    while (lo < hi - 1) {
      const mid = (lo + hi) >> 1;
      if (cum[mid] <= x) lo = mid;
      else hi = mid;
    }
    const frac = (x - cum[lo]) / (cum[lo + 1] - cum[lo] || 1);
    times.push(Math.floor((lo + frac) * step * 1000));
  }
  return times.sort((a, b) => a - b);
}

export function generateTrace(o: TraceOptions): TraceRequest[] {
  const random = rng(o.seed);
  const s = o.zipf ?? 1;
  const times = diurnalTimes(o.requests, o.seconds ?? 86400, random);
  const shares = o.routes.map((r) => r.share);
  const totalShare = shares.reduce((a, b) => a + b, 0);
  const pathDraw = o.routes.map((r) => zipf(r.paths, s, random));
  const queryDraw = o.routes.map((r) => Object.entries(r.query ?? {}).map(([name, q]) => ({ name, p: q.p, draw: zipf(q.values, s, random) })));
  const sessionDraw = o.routes.map((r) => (r.sessions ? zipf(r.sessions, 0.8, random) : undefined));
  const mobile = o.mobileShare ?? 0.4;
  return times.map((atMs) => {
    let x = random() * totalShare;
    let ri = 0;
    while (ri < shares.length - 1 && x >= shares[ri]) x -= shares[ri++];
    const r = o.routes[ri];
    const query = queryDraw[ri]
      .filter((q) => random() < q.p)
      .map((q) => `${q.name}=v${q.draw()}`)
      .join('&');
    const session = sessionDraw[ri];
    return {
      atMs,
      pop: Math.floor(random() * o.pops),
      uri: `${r.prefix}${pathDraw[ri]()}`,
      query,
      userAgent: random() < mobile ? MOBILE_UA : DESKTOP_UA,
      ...(session ? { cookie: `${r.cookieName ?? 'session'}=s${session()}` } : {}),
    };
  });
}
