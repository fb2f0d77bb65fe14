import * as fs from 'fs';
import * as path from 'path';
import { checkCloudFrontFunctionLanguage } from '../../lib/edge/cf-language';
import { type LocalEdge, startLocalEdge } from '../../tools/local';
import { request } from './helpers';
import { referenceAssembly } from './reference-assembly';

/** The reference app's generated CloudFront Functions are in the runtime's language, and the local edge runs them. */

let edge: LocalEdge;
let dir: string;
const notices: string[] = [];

beforeAll(async () => {
  dir = referenceAssembly().dir;
  edge = await startLocalEdge({ app: dir, port: 0, onWarning: (m) => notices.push(m), onFunctionLog: () => undefined, onEdgeLog: () => undefined });
});

afterAll(async () => {
  await edge?.close();
});

test('every generated function passes the parser check of the runtime 2.0 language', () => {
  const template = JSON.parse(fs.readFileSync(path.join(dir, 'TieredCdnReference.template.json'), 'utf8')) as { Resources: Record<string, { Type: string; Properties: { FunctionCode: string; FunctionConfig: { Runtime: string } } }> };
  const functions = Object.entries(template.Resources).filter(([, r]) => r.Type === 'AWS::CloudFront::Function');
  expect(functions.length).toBe(5);
  for (const [id, r] of functions) {
    expect(r.Properties.FunctionConfig.Runtime).toBe('cloudfront-js-2.0');
    expect({ id, findings: checkCloudFrontFunctionLanguage(r.Properties.FunctionCode, r.Properties.FunctionConfig.Runtime) }).toEqual({ id, findings: [] });
  }
});

test('the local edge reports none of them and serves the pages they run on', async () => {
  expect(edge.functionLanguage).toEqual([]);
  expect(notices.filter((n) => n.startsWith('CloudFront Function'))).toEqual([]);
  const home = await request(`${edge.url}/`);
  expect(home.status).toBe(200);
  expect(home.headers['set-cookie']).toEqual(expect.arrayContaining([expect.stringMatching(/^tcdn-exp-home=/)]));
});
