import * as fs from 'fs';
import * as path from 'path';

/** docs/validation.md lists every problem code the construct can report, and no other. */

const ROOT = path.join(__dirname, '..', '..');

function codesInSource(): Set<string> {
  const out = new Set<string>();
  for (const dir of ['lib', 'lib/private']) {
    for (const file of fs.readdirSync(path.join(ROOT, dir)).filter((f) => f.endsWith('.ts'))) {
      const text = fs.readFileSync(path.join(ROOT, dir, file), 'utf8');
      for (const m of text.matchAll(/(?:problem|problems\.add)\(\s*'([a-z0-9-]+)'/g)) out.add(m[1]);
      for (const m of text.matchAll(/_CODE = '([a-z0-9-]+)'/g)) out.add(m[1]);
    }
  }
  // The shared JWK rules name their problems; the construct reports each as `auth-jwk-<code>`.
  const jwk = fs.readFileSync(path.join(ROOT, 'lambda-edge', 'shared', 'jwk.ts'), 'utf8');
  for (const m of jwk.matchAll(/code: '([a-z-]+)'/g)) out.add(`auth-jwk-${m[1]}`);
  return out;
}

test('docs/validation.md has one row per problem code in lib/, and no row for a code that is gone', () => {
  const doc = fs.readFileSync(path.join(ROOT, 'docs', 'validation.md'), 'utf8');
  const documented = [...doc.matchAll(/^\| `([a-z0-9-]+)` \|/gm)].map((m) => m[1]);
  expect(new Set(documented).size).toBe(documented.length);
  const source = codesInSource();
  expect(source.size).toBeGreaterThan(100);
  expect([...source].filter((c) => !documented.includes(c))).toEqual([]);
  expect(documented.filter((c) => !source.has(c))).toEqual([]);
});
