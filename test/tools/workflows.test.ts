import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildProgram } from '../../tools/cli';
import { REPO_ROOT } from './invalidate-moto-server';

const VALIDATOR = path.join(REPO_ROOT, 'node_modules', '.bin', 'action-validator');
const WORKFLOWS = path.join(REPO_ROOT, '.github', 'workflows');
const read = (name: string) => fs.readFileSync(path.join(WORKFLOWS, name), 'utf8');

function validate(file: string) {
  return spawnSync(VALIDATOR, [file], { encoding: 'utf8' });
}

test.each(['ci.yml', 'diff.yml', 'deploy.yml'])('%s passes action-validator', (name) => {
  const res = validate(path.join(WORKFLOWS, name));
  expect(res.stdout + res.stderr).toBe('');
  expect(res.status).toBe(0);
});

test('action-validator rejects a broken workflow (so the checks above can fail)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tcdn-wf-'));
  try {
    const broken = path.join(dir, 'broken.yml');
    // deploy.yml with its job's runs-on removed and a misspelt trigger.
    fs.writeFileSync(broken, read('deploy.yml').replace(/^    runs-on: .*\n/m, '').replace('  push:\n', '  pushh:\n'));
    const res = validate(broken);
    expect(res.status).not.toBe(0);
    const report = res.stdout + res.stderr;
    expect(report).toContain("Additional property 'pushh' is not allowed");
    expect(report).toContain('/jobs/deploy/runs-on');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('ci installs, tests with moto and njs, synthesizes and lints the templates', () => {
  const ci = read('ci.yml');
  expect(ci).toMatch(/pip install 'moto\[server\]' cfn-lint/);
  expect(ci).toMatch(/apt-get install -y njs/);
  expect(ci).toMatch(/- run: npm ci\n/);
  expect(ci).toMatch(/run: npm test\n/);
  expect(ci).toMatch(/run: npm test\n\s+env:\n\s+TIERED_CDN_REQUIRE_PYTHON_TOOLS: '1'\n\s+TIERED_CDN_REQUIRE_NJS: '1'/);
  expect(ci).toMatch(/run: npm run conformance -- --no-write\n/);
  expect(ci).toMatch(/npx cdk synth --quiet/);
  expect(ci).toMatch(/cfn-lint .*cdk\.out\/\*\.template\.json/);
});

test('diff runs on pull requests with a read-only OIDC role when configured, the offline diff otherwise, and keeps one comment', () => {
  const diff = read('diff.yml');
  expect(diff).toMatch(/^on:\n  pull_request:\n/m);
  expect(diff).toMatch(/id-token: write/);
  expect(diff).toMatch(/uses: aws-actions\/configure-aws-credentials@v4\n\s+with:\n\s+role-to-assume: \$\{\{ vars\.AWS_DIFF_ROLE_ARN \}\}/);
  expect(diff).toMatch(/if: env\.USE_AWS == 'true'\n\s+run: \|[\s\S]*npx cdk diff --all --method template/);
  expect(diff).toMatch(/if: env\.USE_AWS != 'true'\n\s+run: \|[\s\S]*node bin\/tiered-cdn\.js diff --base "origin\/\$BASE_REF"/);
  expect(diff).toContain('github.rest.issues.updateComment');
  expect(diff).toContain("const marker = '<!-- tiered-cdn-diff -->'");
});

test('deploy runs on main with the deploy role, one at a time, behind an environment', () => {
  const deploy = read('deploy.yml');
  expect(deploy).toMatch(/^on:\n  push:\n    branches: \[main\]/m);
  expect(deploy).toMatch(/concurrency:\n  group: deploy-production\n  cancel-in-progress: false/);
  expect(deploy).toMatch(/environment:\n\s+name: production/);
  expect(deploy).toMatch(/role-to-assume: \$\{\{ vars\.AWS_DEPLOY_ROLE_ARN \}\}/);
  expect(deploy).toMatch(/npx cdk deploy --all --require-approval never/);
});

test('every tiered-cdn invocation in the workflows names an existing command and options', () => {
  const program = buildProgram();
  const calls = ['ci.yml', 'diff.yml', 'deploy.yml'].flatMap((f) => [...read(f).matchAll(/node bin\/tiered-cdn\.js (\S+)([^\n|>]*)/g)]);
  expect(calls.length).toBeGreaterThan(0);
  for (const [, name, rest] of calls) {
    const command = program.commands.find((c) => c.name() === name);
    expect(command).toBeDefined();
    const known = command!.options.map((o) => o.long);
    for (const flag of rest.match(/--[a-z-]+/g) ?? []) expect(known).toContain(flag);
  }
});
