import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { ReferenceStack } from '../../lib/reference-stack';
import { loadDevKey, publicJwk } from '../../tools/dev-keys';

const ROOT = path.join(__dirname, '..', '..');
export const TEST_ISSUER = 'https://issuer.test/';
export const TEST_AUDIENCE = 'reference-test';

export interface ReferenceAssembly {
  readonly dir: string;
  readonly privateKey: crypto.KeyObject;
  readonly kid: string;
}

function sourceHash(): string {
  const h = crypto.createHash('sha256');
  const walk = (dir: string) => {
    for (const name of fs.readdirSync(dir).sort()) {
      const p = path.join(dir, name);
      if (fs.statSync(p).isDirectory()) walk(p);
      else h.update(p).update(fs.readFileSync(p));
    }
  };
  for (const d of ['lib', 'lambda-edge', 'site']) walk(path.join(ROOT, d));
  h.update(fs.readFileSync(path.join(ROOT, 'package-lock.json')));
  return h.digest('hex').slice(0, 16);
}

/**
 * The reference stack synthesized with a test key pair. Synthesizing it takes seconds, so the
 * assembly is kept in the temp folder and reused by every test file until lib/, lambda-edge/ or
 * site/ change.
 */
export function referenceAssembly(): ReferenceAssembly {
  const dir = path.join(os.tmpdir(), `tiered-cdn-reference-${sourceHash()}`);
  const keyFile = path.join(dir, 'test-key.json');
  if (fs.existsSync(keyFile)) {
    const privateKey = crypto.createPrivateKey({ key: JSON.parse(fs.readFileSync(keyFile, 'utf8')), format: 'jwk' });
    return { dir, privateKey, kid: publicJwk(privateKey, 'RS256').kid! };
  }
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = publicJwk(privateKey, 'RS256');
  const staging = fs.mkdtempSync(`${dir}-staging-`);
  const app = new App({ outdir: staging });
  new ReferenceStack(app, 'TieredCdnReference', {
    env: { region: 'us-east-1' },
    auth: { issuer: TEST_ISSUER, audience: TEST_AUDIENCE, jwks: { keys: [jwk] } },
  });
  app.synth();
  fs.writeFileSync(path.join(staging, 'test-key.json'), JSON.stringify(privateKey.export({ format: 'jwk' })));
  try {
    fs.renameSync(staging, dir);
  } catch {
    // Another test file finished the same synth first; use that one.
    fs.rmSync(staging, { recursive: true, force: true });
    return referenceAssembly();
  }
  return { dir, privateKey, kid: jwk.kid! };
}

export interface DevKeyAssembly {
  /** The cloud assembly. */
  readonly dir: string;
  /** A project root whose `.tiered-cdn/` holds the development key the assembly trusts: run `tiered-cdn token` here. */
  readonly root: string;
}

/**
 * The reference stack as `npx cdk synth` writes it without an issuer: protected routes trust the
 * development key, so tokens from `tiered-cdn token` (run in `root`) are accepted, as in `npm start`.
 * Kept and reused like `referenceAssembly()`.
 */
export function devKeyAssembly(): DevKeyAssembly {
  const root = path.join(os.tmpdir(), `tiered-cdn-devkey-${sourceHash()}`);
  const dir = path.join(root, 'cdk.out');
  if (fs.existsSync(path.join(dir, 'manifest.json'))) return { dir, root };
  const staging = fs.mkdtempSync(`${root}-staging-`);
  const devKey = loadDevKey(staging);
  const app = new App({ outdir: path.join(staging, 'cdk.out') });
  new ReferenceStack(app, 'TieredCdnReference', {
    env: { region: 'us-east-1' },
    auth: { issuer: devKey.issuer, audience: devKey.audience, jwks: devKey.jwks },
  });
  app.synth();
  try {
    fs.renameSync(staging, root);
  } catch {
    fs.rmSync(staging, { recursive: true, force: true });
    return devKeyAssembly();
  }
  return { dir, root };
}
