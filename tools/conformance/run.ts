/**
 * `npm run conformance`: the HTTP caching test suite through the local edge. Writes
 * docs/conformance.md and the list of undocumented differences in docs/local-edge.md; exits 1 when a documented CloudFront
 * behavior disagrees or fewer tests pass than FLOOR, 2 on a usage error.
 */
import * as fs from 'fs';
import * as path from 'path';
import { conformanceDistribution, CONFORMANCE_CONFIGURATION } from './distribution';
import { disagreements, renderReport, rows, totals, undocumentedNotes, withDifferences } from './report';
import { SUITE_DIR, publishedResults, runSuite } from './suite';

/**
 * Required and optimal tests that must pass: 176 measured, less 3 because a few of the
 * suite's tests hinge on one-second timing and can flip on a loaded machine. Raise it with the count.
 */
export const FLOOR = 173;

const PUBLISHED = [
  { file: 'nginx.json', name: 'nginx' },
  { file: 'fastly.json', name: 'Fastly' },
];

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const unknown = args.filter((a) => a !== '--no-write' && a !== '--json' && a !== '--help');
  if (args.includes('--help') || unknown.length) {
    (unknown.length ? process.stderr : process.stdout).write(
      `${unknown.length ? `unknown option: ${unknown.join(' ')}\n` : ''}usage: npm run conformance [-- --no-write] [-- --json]\n` +
        '  runs the http-cache-tests suite through the local edge and writes docs/conformance.md\n' +
        '  --no-write  do not write docs/conformance.md or the differences list in docs/local-edge.md\n  --json      print totals and disagreements as JSON\n',
    );
    return unknown.length ? 2 : 0;
  }
  const run = await runSuite(conformanceDistribution());
  const index = (await import(path.join(SUITE_DIR, 'results', 'index.mjs')).catch(() => ({ default: [] }))).default as Array<{ file: string; version: string }>;
  const published = PUBLISHED.map((p) => ({ name: p.name, version: index.find((i) => i.file === p.file)?.version ?? '', results: publishedResults(p.file) }));
  const suiteVersion = `http-cache-tests ${require(path.join(SUITE_DIR, 'package.json')).version}`;
  const report = renderReport({ groups: run.groups, results: run.results, published, suiteVersion, floor: FLOOR, configuration: CONFORMANCE_CONFIGURATION });
  const t = totals(run.groups, run.results);
  const bad = disagreements(rows(run.groups, run.results));
  if (!args.includes('--no-write')) {
    const docs = path.join(__dirname, '..', '..', 'docs');
    fs.writeFileSync(path.join(docs, 'conformance.md'), `${report}\n`);
    const localEdge = path.join(docs, 'local-edge.md');
    fs.writeFileSync(localEdge, withDifferences(fs.readFileSync(localEdge, 'utf8'), undocumentedNotes(report)));
  }
  if (args.includes('--json')) {
    process.stdout.write(`${JSON.stringify({ ...t, floor: FLOOR, disagreements: bad.map((r) => r.test.id) })}\n`);
  } else {
    process.stdout.write(`conformance: ${t.passed} of ${t.graded} required and optimal tests pass, ${t.checksYes} of ${t.checks} checks answered yes (floor ${FLOOR})\n`);
    for (const r of bad) process.stdout.write(`  disagrees with CloudFront's documentation: ${r.test.id} (${r.verdict.kind === 'documented' ? r.verdict.doc.page.title : ''})\n`);
  }
  if (bad.length) process.stderr.write(`conformance: ${bad.length} documented CloudFront behaviors disagree; see docs/conformance.md\n`);
  if (t.passed < FLOOR) process.stderr.write(`conformance: ${t.passed} tests pass, below the floor of ${FLOOR}; a change made the local edge pass fewer tests\n`);
  return bad.length || t.passed < FLOOR ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`conformance: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
