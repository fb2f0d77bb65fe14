/**
 * End-to-end check against a real AWS account: deploys test/integ/app.ts, checks a cache hit, a 401
 * from the edge auth, and an invalidation through `tiered-cdn invalidate`, then tears the stack
 * down, waiting out Lambda@Edge replica deletion.
 *
 *   npm run test:integ
 *
 * Skipped (exit 0, with a message) when no AWS credentials are found. Environment:
 *   TIERED_CDN_INTEG_STACK               stack name (default: TieredCdnInteg-<random>)
 *   TIERED_CDN_INTEG_KEEP=1              leave the stack deployed
 *   TIERED_CDN_INTEG_TEARDOWN_MINUTES    how long to keep retrying the delete (default 240)
 */
import { spawnSync } from 'child_process';
import * as assert from 'assert';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  CloudFormationClient,
  DeleteStackCommand,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
  StackStatus,
} from '@aws-sdk/client-cloudformation';
import { loadDevKey } from '../../tools/dev-keys';

const ROOT = path.resolve(__dirname, '..', '..');
const REGION = 'us-east-1';
const PROTECTED_PATH = '/members/profile';
const ASSET_PATH = '/assets/app.5a4476ea.js';

const log = (line: string) => process.stdout.write(`[integ] ${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function hasCredentials(client: CloudFormationClient): Promise<string | undefined> {
  try {
    const creds = await client.config.credentials();
    return creds.accessKeyId ? undefined : 'the credential chain returned no access key';
  } catch (err) {
    return (err as Error).message;
  }
}

function cdk(args: string[]): void {
  const bin = path.join(ROOT, 'node_modules', '.bin', 'cdk');
  log(`cdk ${args.join(' ')}`);
  const res = spawnSync(bin, args, { cwd: ROOT, stdio: 'inherit', env: { ...process.env, AWS_REGION: REGION } });
  if (res.status !== 0) throw new Error(`cdk ${args[0]} failed with exit ${res.status ?? res.signal}`);
}

async function get(url: string, headers: Record<string, string> = {}): Promise<Response> {
  const res = await fetch(url, { headers, redirect: 'manual' });
  await res.arrayBuffer();
  return res;
}

async function checkHit(domain: string): Promise<void> {
  const url = `https://${domain}${ASSET_PATH}`;
  // A new distribution can answer from an edge that has not seen the object yet; ask a few times.
  for (let i = 1; i <= 10; i++) {
    const res = await get(url);
    const xcache = res.headers.get('x-cache') ?? '';
    log(`GET ${ASSET_PATH} -> ${res.status} x-cache: ${xcache}`);
    assert.strictEqual(res.status, 200, `GET ${url} answered ${res.status}`);
    if (/^hit from cloudfront/i.test(xcache)) {
      assert.match(res.headers.get('cache-control') ?? '', /immutable/, 'static asset without immutable Cache-Control');
      return;
    }
    await sleep(2000);
  }
  assert.fail(`GET ${url} never reported 'x-cache: Hit from cloudfront' in 10 tries`);
}

async function checkAuth(domain: string): Promise<void> {
  const url = `https://${domain}${PROTECTED_PATH}`;
  const anonymous = await get(url);
  log(`GET ${PROTECTED_PATH} without a token -> ${anonymous.status} www-authenticate: ${anonymous.headers.get('www-authenticate')}`);
  assert.strictEqual(anonymous.status, 401, `GET ${url} without a token answered ${anonymous.status}, expected 401`);
  assert.match(anonymous.headers.get('www-authenticate') ?? '', /^Bearer /, 'a 401 without a Bearer challenge');

  const dev = loadDevKey(ROOT);
  const now = Math.floor(Date.now() / 1000);
  const token = dev.sign({ iss: dev.issuer, aud: dev.audience, sub: 'integ', iat: now, exp: now + 300 });
  const authed = await get(url, { authorization: `Bearer ${token}` });
  log(`GET ${PROTECTED_PATH} with a token -> ${authed.status}`);
  // The object does not exist in the bucket: any answer but 401 shows the token got past the edge.
  assert.notStrictEqual(authed.status, 401, `GET ${url} with a valid token answered 401`);
}

function checkInvalidation(stackName: string): void {
  const res = spawnSync(
    process.execPath,
    [path.join(ROOT, 'bin', 'tiered-cdn.js'), 'invalidate', '--stack', stackName, '--region', REGION, '--group', 'html', '--wait', '--poll-interval', '15', '--json'],
    { cwd: ROOT, encoding: 'utf8', env: { ...process.env, AWS_REGION: REGION } },
  );
  process.stderr.write(res.stderr);
  assert.strictEqual(res.status, 0, `tiered-cdn invalidate exited ${res.status}`);
  const result = JSON.parse(res.stdout);
  log(`invalidation ${result.invalidations.map((i: { id: string }) => i.id).join(', ')}: completed=${result.completed}`);
  assert.strictEqual(result.completed, true);
  assert.deepStrictEqual(result.paths, ['/', '/index.html', '/about.html']);
}

/**
 * Deletes the stack. CloudFront removes Lambda@Edge replicas only some time after the distribution
 * is gone, and until then deleting the function fails; so a failed delete whose only failures
 * are Lambda functions is retried until the deadline.
 */
export async function destroyStack(client: CloudFormationClient, stackName: string, deadline: number): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    log(`deleting ${stackName} (attempt ${attempt})`);
    await client.send(new DeleteStackCommand({ StackName: stackName }));
    let status: string | undefined;
    for (;;) {
      try {
        const out = await client.send(new DescribeStacksCommand({ StackName: stackName }));
        status = out.Stacks?.[0]?.StackStatus;
      } catch {
        status = StackStatus.DELETE_COMPLETE; // DescribeStacks fails once the stack is gone.
      }
      if (status !== StackStatus.DELETE_IN_PROGRESS) break;
      await sleep(15_000);
    }
    if (status === StackStatus.DELETE_COMPLETE) {
      log(`${stackName} deleted`);
      return;
    }
    const resources = await client.send(new DescribeStackResourcesCommand({ StackName: stackName }));
    const failed = (resources.StackResources ?? []).filter((r) => r.ResourceStatus === 'DELETE_FAILED');
    const onlyEdgeReplicas = failed.length > 0 && failed.every((r) => r.ResourceType === 'AWS::Lambda::Function');
    if (!onlyEdgeReplicas) {
      throw new Error(
        `deleting ${stackName} ended in ${status}: ${failed.map((r) => `${r.LogicalResourceId} (${r.ResourceType}): ${r.ResourceStatusReason}`).join('; ') || 'no failed resource reported'}`,
      );
    }
    const wait = 10 * 60_000;
    if (Date.now() + wait > deadline) {
      throw new Error(
        `${stackName} still has Lambda@Edge functions with replicas (${failed.map((r) => r.PhysicalResourceId).join(', ')}); delete the stack again later: npx cdk destroy ${stackName}`,
      );
    }
    log(`Lambda@Edge replicas of ${failed.map((r) => r.LogicalResourceId).join(', ')} are not deleted yet; retrying in 10 minutes (CloudFront can take hours)`);
    await sleep(wait);
  }
}

async function main(): Promise<number> {
  const cfn = new CloudFormationClient({ region: REGION });
  const missing = await hasCredentials(cfn);
  if (missing !== undefined) {
    process.stdout.write(
      `test:integ skipped: no AWS credentials (${missing.split('\n')[0]}).\n` +
        'It deploys a real stack (CloudFront, Lambda@Edge, S3) to us-east-1 and deletes it afterwards. To run it, provide credentials\n' +
        'for an account bootstrapped with `npx cdk bootstrap aws://ACCOUNT/us-east-1` (AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or SSO), then: npm run test:integ\n',
    );
    return 0;
  }
  const stackName = process.env.TIERED_CDN_INTEG_STACK || `TieredCdnInteg-${crypto.randomBytes(3).toString('hex')}`;
  const teardownMinutes = Number(process.env.TIERED_CDN_INTEG_TEARDOWN_MINUTES ?? 240);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tiered-cdn-integ-'));
  const outputsFile = path.join(tmp, 'outputs.json');
  let failure: unknown;
  try {
    cdk(['deploy', '--app', 'npx tsx test/integ/app.ts', '-c', `integStackName=${stackName}`, '--require-approval', 'never', '--outputs-file', outputsFile, stackName]);
    const outputs = JSON.parse(fs.readFileSync(outputsFile, 'utf8'))[stackName] as Record<string, string>;
    const domain = outputs.DistributionDomainName;
    assert.ok(domain, `stack ${stackName} has no DistributionDomainName output`);
    log(`deployed ${stackName}: https://${domain} (${outputs.DistributionId})`);
    await checkHit(domain);
    await checkAuth(domain);
    checkInvalidation(stackName);
    log('all checks passed');
  } catch (err) {
    failure = err;
    process.stderr.write(`[integ] FAILED: ${(err as Error).stack ?? String(err)}\n`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
    if (process.env.TIERED_CDN_INTEG_KEEP === '1') {
      log(`TIERED_CDN_INTEG_KEEP=1: ${stackName} is left deployed; delete it with npx cdk destroy --app "npx tsx test/integ/app.ts" -c integStackName=${stackName} ${stackName}`);
    } else {
      try {
        await destroyStack(cfn, stackName, Date.now() + teardownMinutes * 60_000);
      } catch (err) {
        failure ??= err;
        process.stderr.write(`[integ] teardown FAILED: ${(err as Error).message}\n`);
      }
    }
  }
  return failure === undefined ? 0 : 1;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
      process.exit(1);
    },
  );
}
