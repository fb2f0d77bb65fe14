import type { Figures, ReplayReport } from './run';

const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
const int = (v: number) => v.toLocaleString('en-US');
const usd = (v: number) => `$${v.toFixed(2)}`;

function bytes(v: number): string {
  if (v >= 1e9) return `${(v / 1e9).toFixed(2)} GB`;
  if (v >= 1e6) return `${(v / 1e6).toFixed(1)} MB`;
  if (v >= 1e3) return `${(v / 1e3).toFixed(1)} kB`;
  return `${v} B`;
}

function change(a: number, b: number): string {
  if (a === b) return '=';
  if (a === 0) return 'new';
  const d = (b - a) / a;
  return `${d > 0 ? '+' : ''}${(d * 100).toFixed(1)}%`;
}

function invocations(f: Figures): string {
  const parts = Object.entries(f.invocations).map(([runtime, n]) => `${runtime} ${int(n)}`);
  return parts.length ? parts.join(', ') : 'none';
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(rows[0]), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.slice(1).map(line)].join('\n');
}

function lifetimeText(l: ReplayReport['behaviors'][number]['lifetime']): string {
  if (l.source === 'assumed') return `${l.originMaxAge} s (assumed)`;
  if (l.source === 'not cached') return `not cached (${l.samples} origin fetches, no hit)`;
  if (l.source === 'unknown') return 'no requests';
  const range = l.upperBound === undefined ? `at least ${l.lowerBound} s` : `${l.lowerBound}–${l.upperBound} s`;
  return `${l.originMaxAge} s (${range}, ${int(l.samples)} sample${l.samples === 1 ? '' : 's'})`;
}

/** The replay as a Markdown table (it reads as plain text too, and renders in a pull request). */
export function formatReplay(r: ReplayReport): string {
  const rows: string[][] = [['behavior', 'requests', 'hit ratio (now → proposed)', 'origin requests', 'origin bytes', 'cost / month', 'lifetime learned']];
  for (const b of r.behaviors) {
    if (b.current.requests === 0 && b.proposed.requests === 0) continue;
    rows.push([
      `\`${b.pathPattern}\``,
      int(b.proposed.requests),
      `${pct(b.current.hitRatio)} → ${pct(b.proposed.hitRatio)}`,
      `${int(b.current.originRequests)} → ${int(b.proposed.originRequests)} (${change(b.current.originRequests, b.proposed.originRequests)})`,
      `${bytes(b.current.originBytes)} → ${bytes(b.proposed.originBytes)}`,
      `${usd(b.current.costUsd)} → ${usd(b.proposed.costUsd)}`,
      lifetimeText(b.lifetime),
    ]);
  }
  const c = r.current;
  const p = r.proposed;
  rows.push([
    '**total**',
    int(r.requests),
    `${pct(c.hitRatio)} → ${pct(p.hitRatio)}`,
    `${int(c.originRequests)} → ${int(p.originRequests)} (${change(c.originRequests, p.originRequests)})`,
    `${bytes(c.originBytes)} → ${bytes(p.originBytes)}`,
    `${usd(c.costUsd)} → ${usd(p.costUsd)}`,
    '',
  ]);
  const span = r.spanSeconds >= 3600 ? `${(r.spanSeconds / 3600).toFixed(1)} h` : `${Math.round(r.spanSeconds)} s`;
  return [
    `Replay of ${int(r.requests)} requests (${r.files} file(s): ${Object.entries(r.formats).map(([f, n]) => `${n} ${f}`).join(', ') || 'none'}; ${span} of traffic), ${c.label} → ${p.label}`,
    '',
    table(rows),
    '',
    `Edge function invocations: ${invocations(c)} → ${invocations(p)}. Invalidation items per deployment: ${c.invalidationItems} → ${p.invalidationItems}.`,
    `Cost: the logged traffic scaled to 30 days at list prices of ${r.pricesDate} (${r.costNote}).`,
    '',
  ].join('\n');
}
