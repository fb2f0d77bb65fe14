import type { DistributionModel } from './model';

const TIER_ORDER = ['static', 'html', 'api', 'dynamic', 'custom'];
const TIER_LABEL: Record<string, string> = {
  static: 'static tier: cached a year, immutable',
  html: 'html tier: cached briefly, invalidated on deploy',
  api: 'api tier: cached when the origin sends s-maxage',
  dynamic: 'dynamic tier: never cached at the edge',
  custom: 'policies not from tiered-cdn',
};

/** Mermaid node ids: letters, digits and underscores only, stable across code changes. */
function nodeId(prefix: string, name: string): string {
  return `${prefix}_${name.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_|_$/g, '')}`;
}

/** Mermaid label text: quotes and angle brackets escaped as entities. */
function text(s: string): string {
  return s.replace(/"/g, '#quot;').replace(/</g, '#lt;').replace(/>/g, '#gt;');
}

/**
 * A Mermaid flowchart: viewer -> distribution -> routes (grouped by tier, numbered in match order)
 * -> edge functions (a node per function saying its runtime, each arrow labelled with its event and the
 * steps it runs there, from the plan) and origins, through Origin Shield when enabled.
 */
export function toMermaid(distributions: readonly DistributionModel[]): string {
  const lines: string[] = ['flowchart LR', '  viewer(["Viewer"])'];
  const multi = distributions.length > 1;
  for (const [di, d] of distributions.entries()) {
    const dp = multi ? `d${di}` : 'd';
    const dist = `${dp}_distribution`;
    lines.push(`  ${dist}["CloudFront distribution<br/>${text(`${d.stack}/${d.name}`)}"]`);
    lines.push(`  viewer --> ${dist}`);
    const routeIds = d.behaviors.map((_, i) => `${dp}_route${i + 1}`);
    for (const tier of TIER_ORDER) {
      const members = d.behaviors.map((b, i) => ({ b, i })).filter(({ b }) => b.tier === tier);
      if (members.length === 0) continue;
      lines.push(`  subgraph ${dp}_tier_${tier}["${text(TIER_LABEL[tier])}"]`);
      for (const { b, i } of members) lines.push(`    ${routeIds[i]}["${i + 1}. ${text(b.pathPattern)}"]`);
      lines.push('  end');
    }
    for (const id of routeIds) lines.push(`  ${dist} --> ${id}`);

    // A function is named by what it does (the steps it runs for any of its routes), then where it is.
    const functions = new Map<string, string>();
    const stepsOf = new Map<string, Set<string>>();
    for (const b of d.behaviors) for (const f of b.functions) for (const s of f.steps) stepsOf.set(f.name, (stepsOf.get(f.name) ?? new Set()).add(s));
    for (const b of d.behaviors) {
      for (const f of b.functions) {
        if (!functions.has(f.name)) {
          const id = nodeId(`${dp}_fn`, f.name);
          functions.set(f.name, id);
          const does = [...(stepsOf.get(f.name) ?? [])];
          lines.push(`  ${id}[["${f.kind === 'lambda@edge' ? 'Lambda@Edge' : 'CloudFront Function'}${does.length > 0 ? `: ${text(does.join(', '))}` : ''}<br/>${text(f.name)}"]]`);
        }
      }
    }
    const origins = new Map<string, string>();
    for (const o of d.origins) {
      const id = nodeId(`${dp}_origin`, o.id);
      const kind = o.originKind === 'site' ? '' : ` (${text(o.originKind)})`;
      lines.push(`  ${id}[("${text(o.id)}${kind}: ${text(o.label)}")]`);
      let entry = id;
      if (o.shieldRegion) {
        entry = nodeId(`${dp}_shield`, o.id);
        lines.push(`  ${entry}{{"Origin Shield<br/>${text(o.shieldRegion)}"}}`);
        lines.push(`  ${entry} --> ${id}`);
      }
      origins.set(o.id, entry);
    }
    // Routing targets are not origins of the distribution: a function sends requests there, and sets no Origin Shield for them.
    const targets = new Map<string, string>();
    for (const b of d.behaviors) {
      for (const t of b.routedTo) {
        if (targets.has(t.domainName)) continue;
        const id = nodeId(`${dp}_target`, t.domainName);
        targets.set(t.domainName, id);
        lines.push(`  ${id}[("${text(t.id)}: ${text(t.domainName)}<br/>routing target; the function sets no Origin Shield")]`);
      }
    }
    d.behaviors.forEach((b, i) => {
      for (const f of b.functions) {
        // The steps are per behavior: one function can serve several behaviors with other steps.
        const label = f.steps.length > 0 ? `${f.eventType}: ${f.steps.join(', ')}` : f.eventType;
        lines.push(`  ${routeIds[i]} -.->|"${text(label)}"| ${functions.get(f.name)}`);
      }
      const target = origins.get(b.originId);
      if (target) lines.push(`  ${routeIds[i]} --> ${target}`);
      for (const t of b.routedTo) lines.push(`  ${routeIds[i]} -.->|"${text(`routed: ${t.when}`)}"| ${targets.get(t.domainName)}`);
    });
  }
  return `${lines.join('\n')}\n`;
}

/**
 * The Markdown document `--out FILE.md` writes: a heading, how to regenerate and check that very
 * file (in the user's project, under the name they gave), the chart.
 */
export function toMarkdown(mermaid: string, file: string): string {
  return [
    '# Distribution diagram',
    '',
    `<!-- Generated by \`tiered-cdn diagram --synth --out ${file}\`; do not edit by hand. \`tiered-cdn diagram --synth --check ${file}\` fails when it is stale (run it in CI). -->`,
    '',
    'Routes are numbered in the order CloudFront matches them (first match wins, `*` last) and grouped by',
    'cache tier. Dotted arrows are the edge functions a route runs, labelled with their event and the steps',
    'the function runs for that route; each function node says its runtime (CloudFront Function or Lambda@Edge)',
    'and every step it runs. Routing targets are where geo or device routing sends some requests of a route.',
    '',
    '```mermaid',
    mermaid.trimEnd(),
    '```',
    '',
  ].join('\n');
}

/** Markers around a diagram embedded in another document, such as the README. */
export const EMBED_START = '<!-- tiered-cdn diagram: start (generated by `tiered-cdn diagram`; do not edit) -->';
export const EMBED_END = '<!-- tiered-cdn diagram: end -->';

/** Whether `doc` has the embedding markers. */
export function hasEmbed(doc: string): boolean {
  const start = doc.indexOf(EMBED_START);
  return start !== -1 && doc.indexOf(EMBED_END, start) !== -1;
}

/** `doc` with the text between the markers replaced by the chart in a mermaid block. */
export function embed(doc: string, mermaid: string): string {
  const start = doc.indexOf(EMBED_START);
  const end = doc.indexOf(EMBED_END, start);
  if (start === -1 || end === -1) throw new Error('the document has no embedding markers');
  return `${doc.slice(0, start + EMBED_START.length)}\n\n\`\`\`mermaid\n${mermaid.trimEnd()}\n\`\`\`\n\n${doc.slice(end)}`;
}
