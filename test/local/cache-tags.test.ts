import { spawn } from 'child_process';
import * as path from 'path';
import { CloudFrontClient, CreateInvalidationCommand, GetInvalidationCommand, ListInvalidationsCommand, NoSuchDistribution } from '@aws-sdk/client-cloudfront';
import { TieredCdn } from '../../lib';
import { type LocalEdge, startLocalEdge } from '../../tools/local';
import { runCli } from '../tools/invalidate-moto-server';
import { type TestOrigin, cliArgs, request, send, startOrigin, synthApp } from './helpers';

/**
 * CloudFront cache tags through the local edge, over HTTP: a TieredCdn with its default cacheTags,
 * two edge locations and Origin Shield, an API origin that tags its responses, the site bucket
 * whose objects carry tags as S3 metadata; invalidations through the CloudFront API the local
 * edge serves, with the AWS SDK and with `tiered-cdn invalidate`.
 */
const SITE = path.join(__dirname, '..', '..', 'site');
let app: string;
let origin: TestOrigin;
let edge: LocalEdge;
let cf: CloudFrontClient;

const TAGS: Record<string, string> = {
  '/api/products/42': 'product:42, category:tv',
  '/api/products/7': 'Product:7, Category:TV',
  '/api/categories/tv': 'category:tv, product:42, product:7',
  '/api/many': Array.from({ length: 60 }, (_, i) => `t${i}`).join(','),
};

beforeAll(async () => {
  app = synthApp((stack) => {
    new TieredCdn(stack, 'Cdn', {
      site: { source: SITE },
      origins: { api: { domainName: 'api.example.com' } },
      routes: [
        { pathPattern: '/assets/*', tier: 'static', origin: 'site' },
        { pathPattern: '*', tier: 'html', origin: 'site' },
        { pathPattern: '/api/*', tier: 'api', origin: 'api' },
      ],
      waf: false,
      monitoring: false,
      originVerify: false,
    });
  });
  origin = await startOrigin((req, res) => {
    const p = req.url.split('?')[0];
    send(res, 200, { 'cache-control': 's-maxage=300', ...(TAGS[p] ? { 'x-amz-meta-cache-tag': TAGS[p] } : {}) }, `${req.url} #${origin.requests.filter((r) => r.url === req.url).length}`);
  });
  edge = await startLocalEdge({ app, port: 0, pops: 2, clock: 'virtual', invalidationSeconds: 0, origins: { 'api.example.com': origin.url }, onWarning: () => {} });
  cf = new CloudFrontClient({ endpoint: edge.cloudfrontEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
});

afterAll(async () => {
  cf?.destroy();
  await edge?.close();
  await origin?.close();
});

const get = (p: string, pop: number) => request(`${edge.url}${p}`, { headers: { 'x-tiered-cdn-pop': String(pop) } });
const fetches = (url: string) => origin.requests.filter((r) => r.url === url).length;

/** Warms every variant in both edge locations, then checks each is a hit. */
async function warm(urls: readonly string[]): Promise<void> {
  for (const u of urls) for (const pop of [0, 1]) await get(u, pop);
  for (const u of urls) for (const pop of [0, 1]) expect((await get(u, pop)).headers['x-cache']).toBe('Hit from cloudfront');
}

async function invalidate(items: string[]): Promise<void> {
  const out = await cf.send(new CreateInvalidationCommand({ DistributionId: edge.distributionId, InvalidationBatch: { CallerReference: `t-${Math.random()}`, Paths: { Quantity: items.length, Items: items } } }));
  expect(out.Invalidation?.InvalidationBatch?.Paths?.Items).toEqual(items);
}

test('the distribution reads the tag header the construct configured; viewers never see it', async () => {
  expect(edge.distribution.cacheTagHeader).toBe('x-amz-meta-cache-tag');
  const api = await get('/api/products/42', 0);
  expect(api.status).toBe(200);
  expect(api.headers['x-amz-meta-cache-tag']).toBeUndefined();
  const page = await get('/index.html', 0);
  expect(page.status).toBe(200);
  expect(page.headers['x-amz-meta-cache-tag']).toBeUndefined();
});

test('a tag invalidation removes exactly the tagged objects, every variant, in every edge location and the shield', async () => {
  const tagged = ['/api/products/42', '/api/products/42?color=red', '/api/products/42?color=blue', '/api/categories/tv'];
  const untagged = ['/api/products/7?x=1', '/api/other'];
  await warm([...tagged, ...untagged]);
  const before = new Map([...tagged, ...untagged].map((u) => [u, fetches(u)]));
  await invalidate(['#PRODUCT:42']);
  for (const u of tagged) {
    // Refetched once through the shield (it lost the object too); the other edge location then
    // gets the new object from the shield, not its old copy.
    const fresh = await get(u, 0);
    expect(fresh.headers['x-cache']).toBe('Miss from cloudfront');
    expect(fetches(u)).toBe(before.get(u)! + 1);
    expect((await get(u, 1)).text).toBe(fresh.text);
    expect(fetches(u)).toBe(before.get(u)! + 1);
  }
  for (const u of untagged) {
    expect((await get(u, 0)).headers['x-cache']).toBe('Hit from cloudfront');
    expect(fetches(u)).toBe(before.get(u));
  }
});

test('tags are case-insensitive both ways, and a tag shared by many objects reaches all of them', async () => {
  const urls = ['/api/products/7', '/api/categories/tv', '/api/products/42'];
  await warm(urls);
  await invalidate(['#category:tv']);
  for (const u of urls) expect((await get(u, 0)).headers['x-cache']).toBe('Miss from cloudfront');
});

test('only the first 50 tags of an object are stored', async () => {
  await warm(['/api/many']);
  await invalidate(['#T55']);
  expect((await get('/api/many', 0)).headers['x-cache']).toBe('Hit from cloudfront');
  await invalidate(['#T49']);
  expect((await get('/api/many', 0)).headers['x-cache']).toBe('Miss from cloudfront');
});

test('site objects carry their tags from S3 metadata: #site:html reaches the entry documents, not the assets', async () => {
  const pages = ['/index.html', '/about.html', '/variants/redesign/index.html'];
  const assets = ['/assets/app.df385d03.css', '/assets/app.5a4476ea.js'];
  await warm([...pages, ...assets]);
  await invalidate(['#site:html']);
  for (const u of pages) expect((await get(u, 0)).headers['x-cache']).toBe('Miss from cloudfront');
  for (const u of assets) expect((await get(u, 1)).headers['x-cache']).toBe('Hit from cloudfront');
  await invalidate(['#site:assets']);
  for (const u of assets) expect((await get(u, 1)).headers['x-cache']).toBe('Miss from cloudfront');
});

test('paths and tags mix in one invalidation; GetInvalidation and ListInvalidations answer as CloudFront does', async () => {
  await warm(['/api/other', '/api/products/7']);
  await invalidate(['/api/other', '#product:7']);
  expect((await get('/api/other', 0)).headers['x-cache']).toBe('Miss from cloudfront');
  expect((await get('/api/products/7', 0)).headers['x-cache']).toBe('Miss from cloudfront');
  const list = await cf.send(new ListInvalidationsCommand({ DistributionId: edge.distributionId }));
  const newest = list.InvalidationList!.Items![0];
  expect(newest.Status).toBe('Completed');
  const one = await cf.send(new GetInvalidationCommand({ DistributionId: edge.distributionId, Id: newest.Id }));
  expect(one.Invalidation?.InvalidationBatch?.Paths?.Items).toEqual(['/api/other', '#product:7']);
  await expect(cf.send(new GetInvalidationCommand({ DistributionId: 'ENOSUCH', Id: newest.Id }))).rejects.toBeInstanceOf(NoSuchDistribution);
});

test('tiered-cdn invalidate --endpoint --distribution --tags works against the local edge, --wait included', async () => {
  await warm(['/api/products/42', '/api/products/7']);
  const run = await runCli(['invalidate', '--endpoint', edge.cloudfrontEndpoint, '--distribution', edge.distributionId, '--tags', 'product:42', '--wait', '--poll-interval', '0.05']);
  expect(run.stderr).toMatch(/created invalidation I\w+ \(1 tag, (InProgress|Completed)\)/);
  expect(run.stderr).toContain('1/1 invalidation completed');
  expect(run.code).toBe(0);
  expect(run.stdout).toMatch(new RegExp(`invalidated 1 tag on ${edge.distributionId}`));
  expect((await get('/api/products/42', 1)).headers['x-cache']).toBe('Miss from cloudfront');
  expect((await get('/api/products/7', 1)).headers['x-cache']).toBe('Hit from cloudfront');
});

test('invalid tags are refused before any request reaches the CloudFront API', async () => {
  const before = (await cf.send(new ListInvalidationsCommand({ DistributionId: edge.distributionId }))).InvalidationList!.Quantity;
  const run = await runCli(['invalidate', '--endpoint', edge.cloudfrontEndpoint, '--distribution', edge.distributionId, '--tags', 'product 42', 'a,b']);
  expect(run.code).toBe(2); // a wrong value: the one exit-code rule
  expect(run.stderr).toContain("'product 42': contains \" \" (U+0020)");
  expect(run.stderr).toContain('(rule: comma)');
  expect((await cf.send(new ListInvalidationsCommand({ DistributionId: edge.distributionId }))).InvalidationList!.Quantity).toBe(before);
  // The API itself refuses them too, as CloudFront answers InvalidArgument.
  await expect(invalidate(['#a b'])).rejects.toMatchObject({ name: 'InvalidArgument' });
});

test('tiered-cdn local --json names the CloudFront API endpoint and distribution id; invalidate --wait works against them', async () => {
  const child = spawn(process.execPath, cliArgs(['local', '--app', app, '--port', '0', '--json', '--no-log', '--invalidation-seconds', '0.3', '--origin', `api.example.com=${origin.url}`]), { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const summary = await new Promise<Record<string, unknown>>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
        if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]));
      });
      child.on('close', (code) => reject(new Error(`tiered-cdn local exited ${code}`)));
    });
    expect(summary).toMatchObject({ cloudfrontEndpoint: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/), distributionId: expect.stringMatching(/^E[0-9A-F]{13}$/), cacheTagHeader: 'x-amz-meta-cache-tag' });
    const edgeUrl = summary.url as string;
    await request(`${edgeUrl}/api/products/42`);
    expect((await request(`${edgeUrl}/api/products/42`)).headers['x-cache']).toBe('Hit from cloudfront');
    const run = await runCli(['invalidate', '--endpoint', summary.cloudfrontEndpoint as string, '--distribution', summary.distributionId as string, '--tags', 'product:42', '--paths', '/api/other', '--wait', '--poll-interval', '0.1']);
    expect(run.code).toBe(0);
    // Reported InProgress first, then Completed: the progress --wait shows.
    expect(run.stderr).toMatch(/created invalidation I\w+ \(1 path \+ 1 tag, InProgress\)/);
    expect(run.stderr).toContain('1/1 invalidation completed');
    expect((await request(`${edgeUrl}/api/products/42`)).headers['x-cache']).toBe('Miss from cloudfront');
  } finally {
    child.kill('SIGTERM');
  }
});
