import { execFile, execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { type LocalEdge, startLocalEdge } from '../../tools/local/server';
import { cliArgs, send, shellQuote, startOrigin, type TestOrigin } from './helpers';

/*
 * The README's "Use it in your stack" walkthrough, end to end: the development JWKS, the stack file
 * as written (its `tiered-cdn` import pointed at this checkout), `cdk synth`, then "Try it on the
 * local edge": the local edge in front of an API, a token from `tiered-cdn token`, and the protected
 * route answering 200 with it.
 */

const ROOT = path.join(__dirname, '..', '..');
const CLI = path.join(ROOT, 'bin', 'tiered-cdn.js');
const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');

function blocks(heading: string): Array<{ lang: string; code: string }> {
  const start = README.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`README.md has no heading '${heading}'`);
  const end = README.slice(start + 1).search(/\n##+ /);
  const text = README.slice(start, end < 0 ? undefined : start + 1 + end);
  return [...text.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => ({ lang: m[1], code: m[2] }));
}

/** The lines of a sh block without comments, `npx tiered-cdn` being this checkout's command. */
function lines(code: string): string[] {
  return code
    .split('\n')
    .map((l) => l.replace(/\s+#.*$/, '').replace(/\bnpx tiered-cdn\b/g, `node ${CLI}`))
    .filter(Boolean);
}

function sh(line: string, cwd: string, env: NodeJS.ProcessEnv = {}): { stdout: string; stderr: string } {
  const stderrFile = path.join(cwd, '.stderr');
  const stdout = execFileSync('bash', ['-c', `set -eo pipefail; ${line} 2>${stderrFile}`], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, PATH: `${path.join(cwd, 'node_modules', '.bin')}:${process.env.PATH}`, FORCE_COLOR: '0', CDK_DISABLE_CLI_TELEMETRY: 'true', ...env },
  });
  return { stdout, stderr: fs.readFileSync(stderrFile, 'utf8') };
}

/**
 * The same, without blocking: the local edge answering the command runs in this process. A
 * request that gets no answer fails the test instead of hanging it.
 */
function shAsync(line: string, cwd: string, env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('bash', ['-c', `set -eo pipefail; ${line}`], { cwd, encoding: 'utf8', timeout: 30_000, env: { ...process.env, ...env } }, (err, stdout, stderr) =>
      err ? reject(new Error(`${line}: ${err.message}\n${stderr}`)) : resolve(stdout),
    );
  });
}

let dir: string;
let api: TestOrigin;
let edge: LocalEdge | undefined;
let synthStderr = '';
const [, jwksBlock, appBlock, synthBlock] = blocks('## Use it in your stack');
const [tryBlock] = blocks('### Try it on the local edge');

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tcdn-walkthrough-'));
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  fs.writeFileSync(path.join(dir, 'cdk-app.ts'), appBlock.code.replace(/from 'tiered-cdn'/, `from ${JSON.stringify(path.join(ROOT, 'lib'))}`));
  for (const line of [...lines(jwksBlock.code), ...lines(synthBlock.code)]) synthStderr += sh(line, dir).stderr;
}, 240_000);

afterAll(async () => {
  await edge?.close();
  await api?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('the walkthrough is the JWKS command, the stack file and cdk synth; the stack warns that it bakes in a development key', () => {
  expect(appBlock.lang).toBe('ts');
  expect(appBlock.code).toMatch(/auth: \{ issuer: 'https:\/\/id\.shop\.example\/', audience: 'shop'/);
  expect(fs.existsSync(path.join(dir, 'cdk.out', 'Shop.template.json'))).toBe(true);
  expect(synthStderr).toContain('tiered-cdn:development-keys');
  expect(synthStderr).toContain('routes[3] ("/api/me/*").auth accepts tokens signed with a tiered-cdn development key');
});

test('"Try it on the local edge": the token for the stack\'s issuer and audience gets 200 from the API; none, or a token of the development issuer, 401', async () => {
  api = await startOrigin((req, res) => send(res, 200, { 'cache-control': 'private' }, `hello ${req.headers['x-auth-sub']}`));
  const [localLine, tokenLine, curlLine] = lines(tryBlock.code);
  const origin = /--origin (\S+)=(\S+)/.exec(localLine)!;
  expect(origin[1]).toBe('api.shop.example');
  const warnings: string[] = [];
  edge = await startLocalEdge({ app: path.join(dir, 'cdk.out'), port: 0, origins: { [origin[1]]: api.url }, onWarning: (m) => warnings.push(m) });

  const token = /^TOKEN=\$\((.*)\)$/.exec(tokenLine)![1];
  const minted = sh(token, dir);
  expect(minted.stderr).toContain('iss=https://id.shop.example/ sub=dev-user aud=shop');
  const curl = (line: string, env: NodeJS.ProcessEnv) => shAsync(`${line.replace('http://127.0.0.1:8080', edge!.url)} --silent --max-time 20`, dir, env);

  const ok = await curl(curlLine, { TOKEN: minted.stdout.trim() });
  expect(ok).toMatch(/^HTTP\/1\.1 200 /);
  expect(ok).toContain('hello dev-user');

  const anonymous = await curl(curlLine.replace(/-H "Authorization: Bearer \$TOKEN" /, ''), {});
  expect(anonymous).toMatch(/^HTTP\/1\.1 401 /);
  // A token of the development issuer is not one of the stack's: the stack never accepts it by itself.
  // (Not a README command: the run's CLI bundle mints it.)
  const devIssuer = sh(['node', ...cliArgs(['token', '--aud', 'shop'])].map(shellQuote).join(' '), dir).stdout.trim();
  const refused = await curl(curlLine, { TOKEN: devIssuer });
  expect(refused).toMatch(/^HTTP\/1\.1 401 /);
  expect(api.requests.map((r) => r.headers['x-auth-sub'])).toEqual(['dev-user']);
}, 60_000);
