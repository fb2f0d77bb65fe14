import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import { functionLanguageFromAssembly } from '../../tools/audit/functions';
import { runCli } from './invalidate-moto-server';

/** `tiered-cdn audit --app` checks the app's CloudFront Functions against the runtime's language. */

let assembly: string;
let server: http.Server;
let base: string;

beforeAll(async () => {
  assembly = fs.mkdtempSync(path.join(os.tmpdir(), 'tiered-cdn-audit-fn-'));
  const app = new App({ outdir: assembly, context: { 'aws:cdk:enable-path-metadata': true } });
  const stack = new Stack(app, 'AuditFns', { env: { region: 'us-east-1' } });
  const runtime = cloudfront.FunctionRuntime.JS_2_0;
  const loops = new cloudfront.Function(stack, 'Loops', {
    runtime,
    code: cloudfront.FunctionCode.fromInline('function handler(event) {\n  for (const k of Object.keys(event.request.headers)) { k; }\n  return { ...event.request };\n}\n'),
  });
  const fine = new cloudfront.Function(stack, 'Fine', { runtime, code: cloudfront.FunctionCode.fromInline('function handler(event) { return event.request; }') });
  new cloudfront.Distribution(stack, 'Dist', {
    defaultBehavior: { origin: new origins.HttpOrigin('api.example.com'), functionAssociations: [{ function: loops, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST }] },
    additionalBehaviors: { '/fine/*': { origin: new origins.HttpOrigin('api.example.com'), functionAssociations: [{ function: fine, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST }] } },
  });
  app.synth();
  server = http.createServer((_req, res) => res.writeHead(200, { 'cache-control': 'public, max-age=31536000, immutable' }).end('ok'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});

test('finds the function outside the language, with its construct path, and none for the one inside', () => {
  const rows = functionLanguageFromAssembly(assembly);
  expect(rows).toEqual([
    {
      stack: 'AuditFns',
      function: expect.stringMatching(/^Loops/),
      path: 'AuditFns/Loops/Resource',
      runtime: 'cloudfront-js-2.0',
      findings: [
        expect.objectContaining({ feature: 'for...of', line: 2, column: 3 }),
        expect.objectContaining({ feature: 'object spread', line: 3, column: 12 }),
      ],
    },
  ]);
});

test('the CLI reports them as errors and exits 1; --json carries them', async () => {
  const text = await runCli(['audit', '--base', base, '--app', assembly, '--paths', '/a.3f9c2a1b.js', '--tier', 'static']);
  expect(text.code).toBe(1);
  expect(text.stdout).toContain('CloudFront Functions outside the runtime language');
  expect(text.stdout).toMatch(/AuditFns\/Loops\w+ \(AuditFns\/Loops\/Resource\), cloudfront-js-2.0:\n {4}error: line 2, column 3: for\.\.\.of/);
  expect(text.stdout).toMatch(/^2 error\(s\), 0 warning\(s\) in 1 response\(s\)/m);
  const json = await runCli(['audit', '--base', base, '--app', assembly, '--paths', '/a.3f9c2a1b.js', '--tier', 'static', '--json']);
  const report = JSON.parse(json.stdout) as { errors: number; functions: Array<{ path: string; findings: Array<{ feature: string }> }> };
  expect(report.errors).toBe(2);
  expect(report.functions.map((f) => [f.path, f.findings.map((x) => x.feature)])).toEqual([['AuditFns/Loops/Resource', ['for...of', 'object spread']]]);
});
