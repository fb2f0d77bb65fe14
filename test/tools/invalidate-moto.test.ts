import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import {
  CloudFrontClient,
  CreateDistributionCommand,
  GetInvalidationCommand,
  ListInvalidationsCommand,
} from '@aws-sdk/client-cloudfront';
import { CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { PATH_GROUPS_METADATA_KEY } from '../../lib/path-groups';
import { describeWithTool } from '../helpers/python-tools';
import { Moto, runCli, startMoto } from './invalidate-moto-server';

const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };

describeWithTool('moto_server', 'tiered-cdn invalidate against a CloudFront API (moto)', (motoBin) => {
  let moto: Moto;
  let cf: CloudFrontClient;
  let tmp: string;

  beforeAll(async () => {
    moto = await startMoto(motoBin);
    cf = new CloudFrontClient({ endpoint: moto.endpoint, region: 'us-east-1', credentials });
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tcdn-inv-'));
  });

  afterAll(async () => {
    cf?.destroy();
    await moto?.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  let seq = 0;
  async function createDistribution(): Promise<string> {
    const out = await cf.send(
      new CreateDistributionCommand({
        DistributionConfig: {
          CallerReference: `test-${++seq}`,
          Comment: 'tiered-cdn invalidate test',
          Enabled: true,
          Origins: { Quantity: 1, Items: [{ Id: 'site', DomainName: 'origin.example.com', CustomOriginConfig: { HTTPPort: 80, HTTPSPort: 443, OriginProtocolPolicy: 'https-only' } }] },
          DefaultCacheBehavior: { TargetOriginId: 'site', ViewerProtocolPolicy: 'redirect-to-https', CachePolicyId: '658327ea-f89d-4fab-a63d-7e88639e58f6' },
        },
      }),
    );
    return out.Distribution!.Id!;
  }

  async function received(distributionId: string): Promise<string[][]> {
    const list = await cf.send(new ListInvalidationsCommand({ DistributionId: distributionId }));
    const ids = (list.InvalidationList?.Items ?? []).map((i) => i.Id!);
    const batches = await Promise.all(ids.map((Id) => cf.send(new GetInvalidationCommand({ DistributionId: distributionId, Id }))));
    return batches.map((b) => b.Invalidation!.InvalidationBatch!.Paths!.Items ?? []).sort((a, b) => b.length - a.length);
  }

  test('sends validated paths, without repeats or paths a wildcard already covers', async () => {
    const id = await createDistribution();
    const run = await runCli(['invalidate', '--distribution', id, '--paths', '/index.html', '/assets/*', '/assets/app.1234abcd.js', '/index.html', '/about', '--endpoint', moto.endpoint]);
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('folded /assets/app.1234abcd.js (covered by /assets/*)');
    expect(run.stdout).toContain('dropped 1 repeated item(s): /index.html');
    const inv = await received(id);
    expect(inv).toEqual([['/index.html', '/assets/*', '/about']]);
    expect(run.stdout).toMatch(/invalidated 3 path\(s\) on \w+ \(5 requested\)/);
  });

  test('--tags sends #tag items in the same batch as --paths, repeats dropped case-insensitively', async () => {
    const id = await createDistribution();
    const run = await runCli(['invalidate', '--distribution', id, '--tags', 'product:42', 'Category:TV', 'PRODUCT:42', '--paths', '/sitemap.xml', '--endpoint', moto.endpoint]);
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('dropped 1 repeated item(s): #PRODUCT:42');
    expect(run.stdout).toMatch(/invalidated 1 path \+ 2 tags on \w+ \(4 requested; 3 counted toward the path quotas\)/);
    expect(await received(id)).toEqual([['/sitemap.xml', '#product:42', '#Category:TV']]);
  });

  test('each tag counts as one path toward the batch quota', async () => {
    const id = await createDistribution();
    const file = path.join(tmp, 'tags-and-paths.txt');
    const paths = Array.from({ length: 2999 }, (_, i) => `/p/${i}.html`);
    fs.writeFileSync(file, ['# changed in release 7', ...paths, '#product:1'].join('\n'));
    const run = await runCli(['invalidate', '--distribution', id, '--paths-file', file, '--tags', 'product:2', '--poll-interval', '0.1', '--json', '--endpoint', moto.endpoint]);
    expect(run.code).toBe(0);
    const inv = await received(id);
    expect(inv.map((b) => b.length)).toEqual([3000, 1]);
    expect(inv[0].slice(-1)).toEqual(['#product:1']);
    expect(inv[1]).toEqual(['#product:2']);
  });

  test('refuses invalid tags before any request, naming each tag and the rule it breaks', async () => {
    const id = await createDistribution();
    const long = 'x'.repeat(257);
    const run = await runCli(['invalidate', '--distribution', id, '--tags', 'ok', 'product 42', 'a,b', 'product:*', 'caf\u00e9', long, '--paths', '/ok', '--endpoint', moto.endpoint]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('5 invalid cache tags');
    expect(run.stderr).toContain("'product 42': contains \" \" (U+0020); tags are visible ASCII only (33-126: no spaces, no control or non-ASCII characters) (rule: characters)");
    expect(run.stderr).toContain("'a,b': contains a comma, which separates tags in the tag header; split it into two tags (rule: comma)");
    expect(run.stderr).toContain("'product:*': contains *; tag invalidations match the exact tag, there are no wildcards (rule: wildcard)");
    expect(run.stderr).toContain('(rule: characters)');
    expect(run.stderr).toContain('is 257 characters long; CloudFront accepts at most 256 (rule: length)');
    expect(await received(id)).toEqual([]);
  });

  test('--group with a path groups file, --wait and --json report the completed invalidation', async () => {
    const id = await createDistribution();
    const manifest = path.join(tmp, 'groups.json');
    fs.writeFileSync(manifest, JSON.stringify({ version: 1, groups: { html: ['/', '/index.html'], docs: ['/docs/*'] } }));
    const run = await runCli(['invalidate', '--distribution', id, '--group', 'html', 'docs', '--manifest', manifest, '--wait', '--poll-interval', '0.1', '--json', '--endpoint', moto.endpoint]);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.completed).toBe(true);
    expect(result.invalidations).toHaveLength(1);
    expect(result.invalidations[0].status).toBe('COMPLETED');
    const inv = await received(id);
    expect(inv).toEqual([['/', '/index.html', '/docs/*']]);
    expect(inv.length).toBe(1);
  });

  test('--stack resolves the distribution and the path groups from the deployed stack', async () => {
    const id = await createDistribution();
    const cfn = new CloudFormationClient({ endpoint: moto.endpoint, region: 'us-east-1', credentials });
    await cfn.send(
      new CreateStackCommand({
        StackName: 'WebCdn',
        TemplateBody: JSON.stringify({
          Metadata: { [PATH_GROUPS_METADATA_KEY]: { version: 1, groups: { html: ['/index.html', '/'] } } },
          Resources: { Queue: { Type: 'AWS::SQS::Queue' } },
          Outputs: { DistributionId: { Value: id } },
        }),
      }),
    );
    cfn.destroy();
    const run = await runCli(['invalidate', '--stack', 'WebCdn', '--group', 'html', '--endpoint', moto.endpoint]);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(`stack WebCdn: distribution ${id}`);
    expect(await received(id)).toEqual([['/index.html', '/']]);

    const unknown = await runCli(['invalidate', '--stack', 'WebCdn', '--group', 'nope', '--endpoint', moto.endpoint]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown group 'nope' in stack WebCdn; known groups: html");
  });

  test('splits more than 3,000 paths and more than 15 wildcards into batches that fit the quotas', async () => {
    const id = await createDistribution();
    const file = path.join(tmp, 'many.txt');
    const paths = Array.from({ length: 3001 }, (_, i) => `/p/${i}.html`);
    const wildcards = Array.from({ length: 16 }, (_, i) => `/w${i}/*`);
    fs.writeFileSync(file, [...paths, ...wildcards].join('\n'));
    const run = await runCli(['invalidate', '--distribution', id, '--paths-file', file, '--poll-interval', '0.1', '--json', '--endpoint', moto.endpoint]);
    expect(run.code).toBe(0);
    const inv = await received(id);
    expect(inv.map((b) => b.length)).toEqual([3000, 16, 1]);
    expect(inv.flat().sort()).toEqual([...paths, ...wildcards].sort());
    for (const b of inv) expect(b.filter((p) => p.endsWith('*')).length).toBeLessThanOrEqual(15);
  });

  test("refuses '/*' unless --all and --yes-invalidate-everything are both given", async () => {
    const id = await createDistribution();
    const bare = await runCli(['invalidate', '--distribution', id, '--paths', '/*', '--endpoint', moto.endpoint]);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain("refusing to invalidate '/*'");
    const unconfirmed = await runCli(['invalidate', '--distribution', id, '--all', '--endpoint', moto.endpoint]);
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toContain('add --yes-invalidate-everything to confirm');
    expect(await received(id)).toEqual([]);

    const confirmed = await runCli(['invalidate', '--distribution', id, '--all', '--yes-invalidate-everything', '--paths', '/a', '--endpoint', moto.endpoint]);
    expect(confirmed.code).toBe(0);
    expect(await received(id)).toEqual([['/*']]);
  });

  test("a tag given with its '#' is refused before any request: '##product:42' would match nothing", async () => {
    const id = await createDistribution();
    const run = await runCli(['invalidate', '--distribution', id, '--tags', 'ok', '#product:42', '--endpoint', moto.endpoint]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      "error: --tags '#product:42' starts with '#', which is added when a tag is sent: use --tags product:42 (a tag that itself starts with '#' goes in --paths as '##product:42')\nrun 'tiered-cdn invalidate --help' for its options\n",
    );
    expect(await received(id)).toEqual([]);
  });

  test('rejects invalid paths before calling CloudFront, listing every problem', async () => {
    const id = await createDistribution();
    const run = await runCli(['invalidate', '--distribution', id, '--paths', 'index.html', '/a*/b', '/caf\u00e9', '/ok', '--endpoint', moto.endpoint]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("'index.html': must start with / (use '/index.html')");
    expect(run.stderr).toContain("'/a*/b': a * wildcard may appear only as the last character");
    expect(run.stderr).toContain("(use '/caf%C3%A9')");
    expect(await received(id)).toEqual([]);
  });

  test('exits 1 naming the error when the distribution does not exist', async () => {
    const run = await runCli(['invalidate', '--distribution', 'E0000NOSUCH', '--paths', '/a', '--endpoint', moto.endpoint]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('CreateInvalidation for distribution E0000NOSUCH failed: NoSuchDistribution (HTTP 404)');
  });

  describe('behind a proxy that answers with CloudFront errors first', () => {
    let proxy: http.Server;
    let proxyUrl: string;
    let script: string[] = [];
    let posts = 0;

    beforeAll(async () => {
      proxy = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c) => chunks.push(c));
        req.on('end', () => {
          if (req.method === 'POST' && /\/invalidation$/.test(req.url ?? '')) {
            posts++;
            const code = script.shift();
            if (code) {
              res.writeHead(400, { 'content-type': 'text/xml', 'x-amzn-requestid': 'r' });
              res.end(`<?xml version="1.0"?><ErrorResponse xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${code} from the test proxy</Message></Error><RequestId>r</RequestId></ErrorResponse>`);
              return;
            }
          }
          const target = new URL(req.url ?? '/', moto.endpoint);
          const up = http.request(target, { method: req.method, headers: { ...req.headers, host: target.host } }, (r) => {
            res.writeHead(r.statusCode ?? 502, r.headers);
            r.pipe(res);
          });
          up.end(Buffer.concat(chunks));
        });
      });
      await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
      proxyUrl = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;
    });

    afterAll(async () => {
      await new Promise((r) => proxy.close(r));
    });

    test('retries TooManyInvalidationsInProgress with backoff and Throttling through the SDK, creating one invalidation', async () => {
      const id = await createDistribution();
      script = ['TooManyInvalidationsInProgress', 'Throttling', 'TooManyInvalidationsInProgress'];
      posts = 0;
      const run = await runCli(['invalidate', '--distribution', id, '--paths', '/index.html', '--retry-delay', '0.05', '--endpoint', proxyUrl]);
      expect(run.stderr).toMatch(/too many invalidations in progress on \w+; retry 1 in [\d.]+ s/);
      expect(run.stderr).toMatch(/retry 2 in/);
      expect(run.code).toBe(0);
      expect(posts).toBe(4);
      expect(await received(id)).toEqual([['/index.html']]);
    });

    test('gives up with exit 1 when CloudFront keeps refusing until the timeout', async () => {
      const id = await createDistribution();
      script = Array.from({ length: 1000 }, () => 'TooManyInvalidationsInProgress');
      const run = await runCli(['invalidate', '--distribution', id, '--paths', '/index.html', '--retry-delay', '0.02', '--timeout', '0.5', '--endpoint', proxyUrl]);
      script = [];
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`CloudFront still reports too many invalidations in progress on ${id}`);
      expect(await received(id)).toEqual([]);
    });
  });
});
