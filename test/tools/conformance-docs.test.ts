import * as fs from 'fs';
import * as path from 'path';
import { DOCUMENTED, verdictFor } from '../../tools/conformance/cloudfront-docs';
import { DIFFERENCES_END, DIFFERENCES_START, differencesBlock, undocumentedNotes, withDifferences } from '../../tools/conformance/report';

const docs = path.join(__dirname, '..', '..', 'docs');
const conformance = fs.readFileSync(path.join(docs, 'conformance.md'), 'utf8');
const localEdge = fs.readFileSync(path.join(docs, 'local-edge.md'), 'utf8');

test("local-edge.md lists exactly the undocumented differences conformance.md records", () => {
  const notes = undocumentedNotes(conformance);
  expect(notes.length).toBeGreaterThan(0);
  const block = localEdge.slice(localEdge.indexOf(DIFFERENCES_START), localEdge.indexOf(DIFFERENCES_END) + DIFFERENCES_END.length);
  expect(block).toBe(differencesBlock(notes));
});

test('a difference missing from local-edge.md, or one too many, is caught', () => {
  const notes = undocumentedNotes(conformance);
  const stale = withDifferences(localEdge, notes.slice(1));
  const block = stale.slice(stale.indexOf(DIFFERENCES_START), stale.indexOf(DIFFERENCES_END) + DIFFERENCES_END.length);
  expect(block).not.toBe(differencesBlock(notes));
  expect(() => withDifferences('no markers', notes)).toThrow(/lacks the markers/);
});

test('conformance.md records no documented CloudFront behavior the local edge disagrees with', () => {
  expect(conformance).toMatch(/\| agrees \|/);
  expect(conformance).not.toMatch(/\| \*\*no\*\* \|$/m);
});

test('every test id conformance.md names has the verdict the documentation table gives it', () => {
  let rows = 0;
  for (const m of conformance.matchAll(/^\| `([^`]+)` \| \w+ \| (pass|fails|setup failed)[^|]*\| (.*) \| (yes|\*\*no\*\*|-) \|$/gm)) {
    const [, id, outcome, , agrees] = m;
    const v = verdictFor(id, outcome === 'pass');
    expect([id, v.kind === 'documented' ? (v.agrees ? 'yes' : '**no**') : '-']).toEqual([id, agrees]);
    rows++;
  }
  expect(rows).toBe(Number(/(\d+) tests do not pass/.exec(conformance)![1]));
});

test('every documented entry quotes a page of AWS documentation or AWS\'s knowledge center', () => {
  for (const d of DOCUMENTED) {
    expect(d.page.url).toMatch(/^https:\/\/(docs\.aws\.amazon\.com|repost\.aws\/knowledge-center)\//);
    expect(d.quote.length).toBeGreaterThan(40);
  }
});

test('a documented behavior the local edge gets wrong is a disagreement; an undocumented one is not', async () => {
  const { disagreements, rows } = await import('../../tools/conformance/report');
  const groups = [{ id: 'g', name: 'g', tests: [{ id: 'stale-503', name: 'stale' }, { id: 'vary-star', name: 'vary' }, { id: 'surrogate-max-age', name: 's' }] }];
  const results = { 'stale-503': ['Assertion', 'Response 2 does not come from cache'] as [string, string], 'vary-star': true as const, 'surrogate-max-age': ['Assertion', 'x'] as [string, string] };
  expect(disagreements(rows(groups, results)).map((r) => r.test.id)).toEqual(['stale-503']);
});
