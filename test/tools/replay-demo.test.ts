import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { referenceAssembly } from '../local/reference-assembly';
import { REPO_ROOT, runCli } from './invalidate-moto-server';

/**
 * README's two commands on the demo: `npm run replay:sample` (synth, then the sample writer) and
 * `npx tiered-cdn replay --log replay-sample --app cdk.out`, run here on the test's reference
 * assembly instead of a fresh synth.
 */
const README = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');

test('README shows the replay in two commands, and the npm script is the synth plus the sample writer', () => {
  expect(README).toContain('npm run replay:sample\nnpx tiered-cdn replay --log replay-sample --app cdk.out\n');
  const scripts = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')).scripts;
  expect(scripts['replay:sample']).toBe('cdk synth --quiet && tsx tools/replay/sample.ts');
});

test('the sample writer and the replay run on the reference app', async () => {
  const app = referenceAssembly().dir;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tcdn-replay-demo-'));
  try {
    const tsx = path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx');
    const sample = spawnSync(tsx, ['tools/replay/sample.ts', path.join(dir, 'replay-sample')], {
      cwd: REPO_ROOT,
      env: { ...process.env, TIERED_CDN_APP: app, REPLAY_SAMPLE_REQUESTS: '3000' },
      encoding: 'utf8',
    });
    expect(sample.stderr).toBe('');
    expect(sample.stdout).toMatch(/^wrote 3000 requests of TieredCdnReference to /);
    const r = await runCli(['replay', '--log', path.join(dir, 'replay-sample'), '--app', app, '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.requests).toBe(3000);
    expect(report.behaviors.map((b: { pathPattern: string }) => b.pathPattern)).toEqual(expect.arrayContaining(['/assets/*', '/api/*', '/api/me/*', '*']));
    const assets = report.behaviors.find((b: { pathPattern: string }) => b.pathPattern === '/assets/*');
    expect(assets.current.hitRatio).toBeGreaterThan(0.9);
    // The same distribution on both sides: the replay agrees with the logs it was given within 5%.
    expect(Math.abs(report.proposed.originRequests - report.current.originRequests)).toBeLessThanOrEqual(report.current.originRequests * 0.05);
    const me = report.behaviors.find((b: { pathPattern: string }) => b.pathPattern === '/api/me/*');
    expect(me.lifetime.source).toBe('not cached');
    expect(Object.keys(report.proposed.invocations)).toEqual(expect.arrayContaining(['cloudfront-js-2.0', 'nodejs22.x']));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
