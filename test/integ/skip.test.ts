import { spawnSync } from 'child_process';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..', '..');

test('npm run test:integ skips with a clear message and exit 0 when no AWS credentials are found', () => {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
  Object.assign(env, {
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    // No instance metadata lookups on a developer machine.
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  });
  const res = spawnSync('npm', ['run', '--silent', 'test:integ'], { cwd: ROOT, env, encoding: 'utf8' });
  expect(res.stderr).not.toMatch(/error/i);
  expect(res.status).toBe(0);
  expect(res.stdout).toMatch(/^test:integ skipped: no AWS credentials \(.+\)\./);
  expect(res.stdout).toContain('npx cdk bootstrap aws://ACCOUNT/us-east-1');
});
