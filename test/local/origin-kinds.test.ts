import { TieredCdn } from '../../lib';
import { readDistribution } from '../../tools/local/assembly';
import { type LocalEdge, startLocalEdge } from '../../tools/local';
import { backends, originsOfEveryKind } from '../helpers/origin-backends';
import { type TestOrigin, request, send, startOrigin, synthApp } from './helpers';

/** Every kind of aws-cdk-lib origin runs in the local edge, mapped by its route table id. */
const servers: TestOrigin[] = [];
let edge: LocalEdge;
let app: string;
const ids = ['fn', 'vpc', 'alb', 'rest', 'http', 'reports', 'edge'];

beforeAll(async () => {
  app = synthApp((stack) => {
    new TieredCdn(stack, 'Cdn', {
      waf: false,
      monitoring: false,
      origins: originsOfEveryKind(stack, backends(stack)),
      routes: [
        { pathPattern: '*', tier: 'api', origin: 'edge' },
        { pathPattern: '/fn/*', tier: 'api', origin: 'fn' },
        { pathPattern: '/app/*', tier: 'dynamic', origin: 'vpc' },
        { pathPattern: '/lb/*', tier: 'api', origin: 'alb' },
        { pathPattern: '/rest/*', tier: 'api', origin: 'rest' },
        { pathPattern: '/http/*', tier: 'dynamic', origin: 'http' },
        { pathPattern: '/reports/*', tier: 'static', origin: 'reports' },
      ],
    });
  });
  const map: Record<string, string> = {};
  for (const id of ids) {
    const server = await startOrigin((req, res) => send(res, 200, { 'cache-control': 'no-store' }, `${id}: ${req.method} ${req.url}`));
    servers.push(server);
    map[id] = server.url;
  }
  edge = await startLocalEdge({ app, port: 0, origins: map, onWarning: () => {} });
});

afterAll(async () => {
  await edge?.close();
  for (const server of servers) await server.close();
});

test('the VPC origin is a custom origin to the local edge (no S3 config), the others keep their kind', () => {
  const model = readDistribution(app);
  expect(Object.fromEntries(ids.map((id) => [id, model.origins[id].kind]))).toEqual({
    fn: 'custom', vpc: 'custom', alb: 'custom', rest: 'custom', http: 'custom', reports: 's3', edge: 'custom',
  });
});

test.each([
  ['/fn/a', 'fn: GET /fn/a'],
  ['/app/a', 'vpc: GET /app/a'],
  ['/lb/a', 'alb: GET /lb/a'],
  ['/rest/a', 'rest: GET /v1/rest/a'],
  ['/http/a', 'http: GET /live/http/a'],
  ['/reports/a.txt', 'reports: GET /reports/a.txt'],
  ['/other', 'edge: GET /other'],
])('%s reaches its origin through --origin <id>=URL', async (p, seen) => {
  const r = await request(`${edge.url}${p}`);
  expect(r.status).toBe(200);
  expect(r.body.toString()).toBe(seen);
});
