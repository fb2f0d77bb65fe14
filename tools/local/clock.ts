/** Time as the caches see it. A virtual clock lets TTLs and stale windows be tested without waiting. */
export interface Clock {
  readonly kind: 'real' | 'virtual';
  /** Milliseconds since the epoch. */
  now(): number;
}

export class RealClock implements Clock {
  readonly kind = 'real' as const;
  now(): number {
    return Date.now();
  }
}

export class VirtualClock implements Clock {
  readonly kind = 'virtual' as const;
  private t: number;

  constructor(startMs: number = Date.now()) {
    this.t = startMs;
  }

  now(): number {
    return this.t;
  }

  /** Moves time forward; negative or non-finite amounts are refused so that time never runs back. */
  advance(seconds: number): number {
    if (!Number.isFinite(seconds) || seconds < 0) {
      throw new RangeError(`clock advance needs a number of seconds >= 0, got: ${seconds}`);
    }
    this.t += Math.round(seconds * 1000);
    return this.t;
  }
}
