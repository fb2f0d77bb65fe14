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
