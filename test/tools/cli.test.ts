import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { REPO_ROOT, runCli } from './invalidate-moto-server';

describe('tiered-cdn', () => {
  test('--version prints the package version', async () => {
    const run = await runCli(['--version'], {}, REPO_ROOT);
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe(require('../../package.json').version);
  });

  test('--help lists every command', async () => {
    const run = await runCli(['--help'], {}, REPO_ROOT);
    expect(run.code).toBe(0);
    for (const cmd of ['local', 'invalidate', 'audit', 'diff', 'diagram', 'token']) expect(run.stdout).toMatch(new RegExp(`^  ${cmd} `, 'm'));
  });

  test('an unknown command is a usage error: exit 2, one line and where the commands are listed', async () => {
    const run = await runCli(['purge'], {}, REPO_ROOT);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe("error: unknown command 'purge'\nrun 'tiered-cdn --help' for the commands\n");
  });
});

describe('what a command loads', () => {
  // Printed by the CLI's process as it exits: every module file it loaded.
  const LOADED = 'LOADED ';
  const prelude = `process.on('exit', () => process.stderr.write('\\n${LOADED}' + JSON.stringify(Object.keys(require.cache))));`;
  const HEAVY = ['@aws-sdk', '@aws-cdk/cloudformation-diff', 'aws-cdk-lib', 'acorn', 'esbuild'];
  const heavyLoaded = (stderr: string): string[] => {
    const line = stderr.split('\n').find((l) => l.startsWith(LOADED));
    if (!line) throw new Error(`the CLI printed no list of loaded modules:\n${stderr}`);
    const files = JSON.parse(line.slice(LOADED.length)) as string[];
    return HEAVY.filter((pkg) => files.some((f) => f.includes(`${path.sep}node_modules${path.sep}${pkg}${path.sep}`)));
  };
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tiered-cdn-load-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test.each([
    ['--help', ['--help'], 0],
    ['a usage error', ['invalidate', '--paths', '/index.html'], 2],
    ['token', ['token', '--dir', '<dir>', '--sub', 'alice'], 0],
    ['diff --help', ['diff', '--help'], 0],
    ['experiment set with a wrong weight', ['experiment', 'set', 'hero', 'a=x', '--kvs-arn', 'arn:aws:cloudfront::123456789012:key-value-store/0a1b2c3d'], 2],
  ])("%s loads neither the AWS SDK, cloudformation-diff, aws-cdk-lib nor a JavaScript parser", async (_what, args, code) => {
    const run = await runCli(args.map((a) => (a === '<dir>' ? dir : a)), {}, REPO_ROOT, prelude);
    expect(run.code).toBe(code);
    expect(heavyLoaded(run.stderr)).toEqual([]);
  });

  test('invalidate loads the CloudFront client when it sends', async () => {
    const run = await runCli(['invalidate', '--distribution', 'E1', '--paths', '/index.html', '--endpoint', 'http://127.0.0.1:9', '--max-attempts', '1', '--timeout', '1'], {}, REPO_ROOT, prelude);
    expect(run.code).toBe(1);
    expect(heavyLoaded(run.stderr)).toContain('@aws-sdk');
  });
});
