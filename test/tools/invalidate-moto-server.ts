import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as path from 'path';
import { type ChildOutput, outputOf } from '../helpers/child-output';

/** Test helpers that start a real CloudFront API (moto) on loopback and run the CLI against it. */

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const CLI = path.join(REPO_ROOT, 'bin', 'tiered-cdn.js');

export const DUMMY_ENV: NodeJS.ProcessEnv = {
  AWS_ACCESS_KEY_ID: 'testing',
  AWS_SECRET_ACCESS_KEY: 'testing',
  AWS_REGION: 'us-east-1',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  // Keep a developer's own profile and config files out of the run.
  AWS_CONFIG_FILE: '/dev/null',
  AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
};

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface Moto {
  readonly endpoint: string;
  stop(): Promise<void>;
}

export async function startMoto(bin: string): Promise<Moto> {
  const port = await freePort();
  const child: ChildProcess = spawn(bin, ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const endpoint = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`moto_server exited with ${child.exitCode}: ${stderr}`);
    if (await reachable(`${endpoint}/moto-api/`)) break;
    if (i > 300) {
      child.kill();
      throw new Error(`moto_server did not answer on ${endpoint}: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    endpoint,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

function reachable(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(url, (res) => {
      res.resume();
      resolve(true);
    });
    req.on('error', () => resolve(false));
  });
}

export type CliRun = ChildOutput;

/**
 * Runs the `tiered-cdn` command from the TypeScript sources, as bin/tiered-cdn.js does in a checkout.
 * The sources are run even when a compiled dist/ exists, so the tests never exercise a stale build:
 * under jest, as the bundle the run built from them at its start (test/helpers/cli-bundle.js),
 * otherwise through tsx.
 */
/** `node -e` code that runs the CLI from the sources: the bundle of this jest run, else through tsx. */
export function cliFromSources(): string {
  const bundle = process.env.TIERED_CDN_TEST_CLI;
  return bundle && fs.existsSync(bundle)
    ? `require(${JSON.stringify(bundle)}).main(process.argv)`
    : `require(${JSON.stringify(require.resolve('tsx/cjs'))}); require(${JSON.stringify(path.join(REPO_ROOT, 'tools', 'cli.ts'))}).main(process.argv)`;
}

/** `prelude`: `node -e` code run before the CLI in the same process (it may watch what the CLI loads). */
export function runCli(args: readonly string[], env: NodeJS.ProcessEnv = {}, cwd = REPO_ROOT, prelude = ''): Promise<CliRun> {
  const fromSources = `${prelude}${cliFromSources()}`;
  return outputOf(spawn(process.execPath, ['-e', fromSources, CLI, ...args], { cwd, env: { ...process.env, ...DUMMY_ENV, ...env }, stdio: ['ignore', 'pipe', 'pipe'] }));
}
