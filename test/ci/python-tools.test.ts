import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { NJS_INSTALL, PYTHON_TOOLS_INSTALL, REQUIRE_NJS_ENV, REQUIRE_PYTHON_TOOLS_ENV } from '../helpers/python-tools';

const ROOT = path.join(__dirname, '..', '..');
const JEST = path.join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js');
const SKIP_LINE = /^Skipped .*needing .* \(not on PATH\): install with .*; TIERED_CDN_REQUIRE_PYTHON_TOOLS=1 \(set by \.ci\/run\) makes them fail instead\.$/m;

/** PATH without the folders that hold cfn-lint, moto_server or njs, as on a machine that has only node. */
function pathWithoutTools(): string {
  return (process.env.PATH ?? '')
    .split(path.delimiter)
    .filter((dir) => !['cfn-lint', 'moto_server', 'njs'].some((t) => fs.existsSync(path.join(dir, t))))
    .join(path.delimiter);
}

/** Runs jest (this project's config, so its reporters) on some test files, without the tools. */
function jestWithoutTools(args: string[], env: Record<string, string> = {}) {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, PATH: pathWithoutTools(), ...env };
  for (const name of [REQUIRE_PYTHON_TOOLS_ENV, REQUIRE_NJS_ENV]) if (!(name in env)) delete childEnv[name];
  return spawnSync(process.execPath, [JEST, '--config', path.join(ROOT, 'jest.config.js'), '--maxWorkers=1', '--ci', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: childEnv,
  });
}

const FIXTURE = ['--roots', '<rootDir>/test/fixtures/python-tools', '--testMatch', '**/gated.fixture.ts'];

describe('suites that need cfn-lint, moto_server or njs', () => {
  test('without the tools they are skipped, with one line per install command saying which and how to install them', () => {
    const res = jestWithoutTools(FIXTURE);
    expect(res.status).toBe(0);
    const lines = res.stderr.split('\n').filter((l) => l.startsWith('Skipped '));
    expect(lines).toEqual([
      `Skipped 1 test needing cfn-lint and 1 test needing moto_server (not on PATH): install with ${PYTHON_TOOLS_INSTALL}; TIERED_CDN_REQUIRE_PYTHON_TOOLS=1 (set by .ci/run) makes them fail instead.`,
      `Skipped 1 test needing njs (not on PATH): install with ${NJS_INSTALL}; TIERED_CDN_REQUIRE_NJS=1 (set by .ci/run) makes them fail instead.`,
    ]);
    expect(res.stderr).toMatch(/Tests:\s+3 skipped, 1 passed, 4 total/);
  });

  test(`with ${REQUIRE_PYTHON_TOOLS_ENV}=1 a missing tool fails the run and says how to install it`, () => {
    const res = jestWithoutTools(FIXTURE, { [REQUIRE_PYTHON_TOOLS_ENV]: '1' });
    expect(res.status).toBe(1);
    expect(res.stderr).toContain(`cfn-lint is not on PATH and ${REQUIRE_PYTHON_TOOLS_ENV}=1 makes it mandatory: install it with ${PYTHON_TOOLS_INSTALL}`);
    // njs has its own variable: without it, njs is still only skipped.
    expect(res.stderr).toMatch(/Tests:\s+2 failed, 1 skipped, 1 passed, 4 total/);
    expect(res.stderr).toMatch(/^Skipped 1 test needing njs \(not on PATH\)/m);
    expect(res.stderr).not.toMatch(SKIP_LINE);
  });

  test(`with ${REQUIRE_NJS_ENV}=1 a missing njs fails the run and says how to install it`, () => {
    const res = jestWithoutTools(FIXTURE, { [REQUIRE_NJS_ENV]: '1' });
    expect(res.status).toBe(1);
    expect(res.stderr).toContain(`njs is not on PATH and ${REQUIRE_NJS_ENV}=1 makes it mandatory: install it with ${NJS_INSTALL}`);
    expect(res.stderr).toMatch(/Tests:\s+1 failed, 2 skipped, 1 passed, 4 total/);
  });

  test('the real moto suite is gated the same way (skipped without moto_server, not failed)', () => {
    const res = jestWithoutTools([path.join(ROOT, 'test', 'tools', 'invalidate-moto.test.ts')]);
    expect(res.status).toBe(0);
    expect(res.stderr).toMatch(/^Skipped \d+ tests needing moto_server \(not on PATH\)/m);
    expect(res.stderr).toMatch(/Tests:\s+\d+ skipped, \d+ total/);
  });

  test('the reference template is linted and the generated functions run in njs through the same gate, and .ci/run makes the tools mandatory', () => {
    expect(fs.readFileSync(path.join(ROOT, 'test', 'reference-stack.test.ts'), 'utf8')).toMatch(/testWithTool\('cfn-lint', /);
    const run = fs.readFileSync(path.join(ROOT, '.ci', 'run'), 'utf8');
    expect(run).toMatch(/^TIERED_CDN_REQUIRE_PYTHON_TOOLS=1 TIERED_CDN_REQUIRE_NJS=1 npm test$/m);
    // njs comes from the system's packages: installed when missing, the index refreshed only if needed.
    expect(run).toMatch(/if ! command -v njs .*\n\s+apt-get install -y njs \|\| \{ apt-get update && apt-get install -y njs; \}\nfi/);
    expect(fs.readFileSync(path.join(ROOT, 'test', 'lambda-edge', 'cf-functions-njs.test.ts'), 'utf8')).toMatch(/describeWithTool\('njs', /);
  });
});
