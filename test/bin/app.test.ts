import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.join(__dirname, '..', '..');

function runApp(context: Record<string, string>): { status: number | null; stderr: string; outdir: string } {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'tiered-cdn-app-'));
  // cdk.json runs `npx tsx bin/app.ts`; the same tsx loader without npx and tsx's launcher process.
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'bin/app.ts'], {
    cwd: ROOT,
    env: { ...process.env, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify(context) },
    encoding: 'utf8',
  });
  return { status: r.status, stderr: r.stderr, outdir };
}

describe('reference app (bin/app.ts)', () => {
  test('refuses to use the development key when requireIssuer is set, as deploy pipelines do', () => {
    const run = runApp({ requireIssuer: 'true' });
    fs.rmSync(run.outdir, { recursive: true, force: true });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain("context 'requireIssuer' is set but 'authIssuer' is not");
  });

  test('bakes the issuer and keys from context into the protected routes', () => {
    const jwksFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tiered-cdn-jwks-')), 'jwks.json');
    const { publicKey } = require('crypto').generateKeyPairSync('rsa', { modulusLength: 2048 });
    fs.writeFileSync(jwksFile, JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'prod-1', alg: 'RS256', use: 'sig' }] }));
    const run = runApp({ requireIssuer: 'true', authIssuer: 'https://id.example.com/', authJwksFile: jwksFile, authAudience: 'shop' });
    try {
      expect(run.status).toBe(0);
      const bundles = fs
        .readdirSync(run.outdir)
        .filter((d) => d.startsWith('asset.') && fs.existsSync(path.join(run.outdir, d, 'index.js')))
        .map((d) => fs.readFileSync(path.join(run.outdir, d, 'index.js'), 'utf8'));
      expect(bundles.some((code) => code.includes('https://id.example.com/') && code.includes('prod-1'))).toBe(true);
      expect(bundles.some((code) => code.includes('dev.tiered-cdn.local'))).toBe(false);
    } finally {
      fs.rmSync(run.outdir, { recursive: true, force: true });
      fs.rmSync(path.dirname(jwksFile), { recursive: true, force: true });
    }
  });
});
