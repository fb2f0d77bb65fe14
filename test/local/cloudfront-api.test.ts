import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import {
  CloudFrontClient,
  CreateInvalidationCommand,
  GetInvalidationCommand,
  ListInvalidationsCommand,
  TooManyInvalidationsInProgress,
} from '@aws-sdk/client-cloudfront';
import { type LocalEdge, startLocalEdge } from '../../tools/local';
import { type TestOrigin, request, send, startOrigin, synthApp } from './helpers';

/**
 * The local edge's CloudFront API as the AWS SDK sees it, on a plain aws-cdk-lib distribution
 * without CacheTagConfig: quotas, caller references, listing, and tag items that find no tags.
 */
let origin: TestOrigin;
let edge: LocalEdge;
let cf: CloudFrontClient;

beforeAll(async () => {
  const app = synthApp((stack) => {
    new cloudfront.Distribution(stack, 'Dist', { defaultBehavior: { origin: new origins.HttpOrigin('api.example.com') } });
  });
  origin = await startOrigin((req, res) => send(res, 200, { 'cache-control': 'max-age=600', 'x-amz-meta-cache-tag': 'product:1' }, req.url));
  // Invalidations stay InProgress for the whole test, so the in-progress quotas apply.
  edge = await startLocalEdge({ app, port: 0, invalidationSeconds: 3600, origins: { 'api.example.com': origin.url }, onWarning: () => {} });
  cf = new CloudFrontClient({ endpoint: edge.cloudfrontEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 });
});

afterAll(async () => {
  cf?.destroy();
  await edge?.close();
  await origin?.close();
});

const create = (ref: string, items: string[]) =>
  cf.send(new CreateInvalidationCommand({ DistributionId: edge.distributionId, InvalidationBatch: { CallerReference: ref, Paths: { Quantity: items.length, Items: items } } }));

test('without CacheTagConfig no tags are stored: a tag item removes nothing, a path still does', async () => {
  expect(edge.distribution.cacheTagHeader).toBeUndefined();
  await request(`${edge.url}/a`);
  await create('tags-only', ['#product:1']);
  expect((await request(`${edge.url}/a`)).headers['x-cache']).toBe('Hit from cloudfront');
  await create('path', ['/a']);
  expect((await request(`${edge.url}/a`)).headers['x-cache']).toBe('Miss from cloudfront');
});

test('a caller reference returns its first invalidation for the same batch and is refused for another', async () => {
  const first = await create('same-ref', ['/x']);
  const again = await create('same-ref', ['/x']);
  expect(again.Invalidation?.Id).toBe(first.Invalidation?.Id);
  await expect(create('same-ref', ['/y'])).rejects.toMatchObject({ name: 'InvalidationBatchAlreadyExists', $metadata: { httpStatusCode: 409 } });
});

test('the in-progress quota of 3,000 paths holds (a tag item counts as one); ListInvalidations pages with Marker', async () => {
  const before = (await cf.send(new ListInvalidationsCommand({ DistributionId: edge.distributionId }))).InvalidationList!.Items!;
  const used = (await Promise.all(before.map((i) => cf.send(new GetInvalidationCommand({ DistributionId: edge.distributionId, Id: i.Id })))))
    .reduce((n, g) => n + g.Invalidation!.InvalidationBatch!.Paths!.Quantity!, 0);
  const fill = Array.from({ length: 3000 - used - 1 }, (_, i) => `/p/${i}`);
  await create('fill', [...fill, '#last-one']);
  await expect(create('over', ['#one-more'])).rejects.toBeInstanceOf(TooManyInvalidationsInProgress);
  const list = await cf.send(new ListInvalidationsCommand({ DistributionId: edge.distributionId, MaxItems: 2 }));
  expect(list.InvalidationList).toMatchObject({ IsTruncated: true, Quantity: 2, MaxItems: 2 });
  expect(list.InvalidationList!.Items!.every((i) => i.Status === 'InProgress')).toBe(true);
  const rest = await cf.send(new ListInvalidationsCommand({ DistributionId: edge.distributionId, Marker: list.InvalidationList!.NextMarker }));
  expect(rest.InvalidationList!.Items!.map((i) => i.Id)).not.toContain(list.InvalidationList!.Items![0].Id);
});
