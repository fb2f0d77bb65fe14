/**
 * Fastest round's ns/op after a warm-up that lets the JIT settle. The fastest round is the one
 * least disturbed by other processes, which on a shared machine is the closest to the real cost.
 */
export function bench(fn: () => unknown, iterations = 100_000, rounds = 9): number {
  let sink: unknown;
  for (let i = 0; i < iterations / 4; i++) sink = fn();
  const perOp: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) sink = fn();
    perOp.push(Number(process.hrtime.bigint() - start) / iterations);
  }
  // Keeps the result alive so the JIT cannot drop the call.
  if (sink === Symbol.for('never')) console.log(sink);
  return Math.min(...perOp);
}

/** `bench` for a function that returns a promise: each call awaited before the next. */
export async function benchAsync(fn: () => Promise<unknown>, iterations = 50_000, rounds = 9): Promise<number> {
  for (let i = 0; i < iterations / 4; i++) await fn();
  const perOp: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) await fn();
    perOp.push(Number(process.hrtime.bigint() - start) / iterations);
  }
  return Math.min(...perOp);
}
