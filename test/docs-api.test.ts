import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** docs/api is generated from the TSDoc of lib/index.ts by `npm run docs:api`; this fails when it is stale. */

const ROOT = path.join(__dirname, '..');

function files(dir: string, prefix = ''): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`]))
    .sort();
}

test('docs/api matches a fresh generation (run npm run docs:api after changing the public API or its TSDoc)', () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'tiered-cdn-api-'));
  try {
    execFileSync(process.execPath, [path.join(ROOT, 'node_modules', 'typedoc', 'bin', 'typedoc'), '--out', out, '--logLevel', 'Error'], { cwd: ROOT, stdio: 'pipe' });
    const committed = path.join(ROOT, 'docs', 'api');
    const fresh = files(out);
    expect(files(committed)).toEqual(fresh);
    const stale = fresh.filter((f) => fs.readFileSync(path.join(out, f), 'utf8') !== fs.readFileSync(path.join(committed, f), 'utf8'));
    expect(stale).toEqual([]);
    // The reference documents the construct, its props and the plan, and nothing internal.
    expect(fresh).toEqual(expect.arrayContaining(['classes/TieredCdn.md', 'interfaces/TieredCdnProps.md', 'functions/planDistribution.md']));
    expect(fresh.filter((f) => /Problems|PolicyRenderer|EdgeFunctionRenderer|resolveAuthConfig|validateRoutes/.test(f))).toEqual([]);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});
