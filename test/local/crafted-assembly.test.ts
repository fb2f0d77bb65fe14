import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadTemplates } from '../../tools/diff/synth';
import { AssemblyError, readDistribution, readStacks } from '../../tools/local';
import { loadEdgeFunction } from '../../tools/local/edge-functions';
import { fetchS3 } from '../../tools/local/origin';

/*
 * A cloud assembly is input: a cdk.out from a pull request, a downloaded artifact. Every path the
 * tools derive from it (logical ids, asset paths in metadata and S3 keys, template files, nested
 * assemblies, handlers) stays inside the assembly; a crafted one is refused with one line naming the
 * resource, and nothing is written outside.
 */

const CACHING_OPTIMIZED = '658327ea-f89d-4fab-a63d-7e88639e58f6';
const HANDLER = 'exports.handler = async (e) => e.Records[0].cf.request;';

let sandbox: string;
beforeEach(() => {
  sandbox = fs.mkdtempSync(path.join(os.tmpdir(), 'tiered-cdn-crafted-'));
});
afterEach(() => fs.rmSync(sandbox, { recursive: true, force: true }));

interface Craft {
  fnId?: string;
  fnCode?: Record<string, unknown>;
  fnMetadata?: Record<string, unknown>;
  handler?: string;
  templateFile?: string;
  extraResources?: Record<string, unknown>;
  manifestExtra?: Record<string, unknown>;
}

/** cdk.out at `<sandbox>/project/cdk.out`, with one distribution whose viewer-request function is described by `c`. */
function craft(c: Craft = {}): string {
  const appDir = path.join(sandbox, 'project', 'cdk.out');
  fs.mkdirSync(appDir, { recursive: true });
  const fnId = c.fnId ?? 'EdgeFn';
  const template = {
    Resources: {
      Dist: {
        Type: 'AWS::CloudFront::Distribution',
        Properties: {
          DistributionConfig: {
            Enabled: true,
            Origins: [{ Id: 'o', DomainName: 'origin.example.com', CustomOriginConfig: { OriginProtocolPolicy: 'https-only' } }],
            DefaultCacheBehavior: {
              TargetOriginId: 'o',
              ViewerProtocolPolicy: 'allow-all',
              CachePolicyId: CACHING_OPTIMIZED,
              LambdaFunctionAssociations: [{ EventType: 'viewer-request', LambdaFunctionARN: { Ref: 'EdgeFnVersion' } }],
            },
          },
        },
      },
      EdgeFnVersion: { Type: 'AWS::Lambda::Version', Properties: { FunctionName: { Ref: fnId } } },
      [fnId]: {
        Type: 'AWS::Lambda::Function',
        Properties: { Code: c.fnCode ?? { ZipFile: HANDLER }, Handler: c.handler ?? 'index.handler', Runtime: 'nodejs22.x' },
        ...(c.fnMetadata ? { Metadata: c.fnMetadata } : {}),
      },
      ...(c.extraResources ?? {}),
    },
  };
  const templateFile = c.templateFile ?? 'Crafted.template.json';
  const target = path.resolve(appDir, templateFile);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.writeFileSync(target, JSON.stringify(template));
  fs.writeFileSync(
    path.join(appDir, 'manifest.json'),
    JSON.stringify({
      version: '43.0.0',
      artifacts: {
        Crafted: { type: 'aws:cloudformation:stack', environment: 'aws://unknown-account/us-east-1', properties: { templateFile } },
        ...(c.manifestExtra ?? {}),
      },
    }),
  );
  return appDir;
}

/** Every file under the sandbox, relative to it. */
function filesIn(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(path.relative(sandbox, p));
    }
  };
  walk(dir);
  return out.sort();
}

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AssemblyError);
    const message = (err as Error).message;
    expect(message.split('\n')).toHaveLength(1);
    return message;
  }
  throw new Error('expected the assembly to be refused');
}

test('a well-formed assembly with an inline function is read, its code written under cdk.out', () => {
  const appDir = craft();
  const model = readDistribution(appDir);
  const fn = model.behaviors[model.behaviors.length - 1].edgeFunctions['viewer-request'];
  expect(fn?.codeDir.startsWith(appDir + path.sep)).toBe(true);
});

test.each(['../../x', '../../../node_modules/left-pad', '/tmp/x', 'node_modules/evil', 'Edge.Fn', 'a\u0000b'])(
  'a function whose logical id is %j is refused, naming the resource, and nothing is written outside cdk.out',
  (fnId) => {
    const appDir = craft({ fnId });
    const before = filesIn(sandbox);
    const message = refusal(() => readDistribution(appDir));
    expect(message).toContain('logical id');
    expect(message).toContain(JSON.stringify(fnId));
    expect(filesIn(sandbox)).toEqual(before);
  },
);

test.each([
  ['an absolute aws:asset:path', { fnCode: { S3Key: 'abc.zip' }, fnMetadata: { 'aws:asset:path': '/etc' } }],
  ['a traversing aws:asset:path', { fnCode: { S3Key: 'abc.zip' }, fnMetadata: { 'aws:asset:path': '../../outside' } }],
  ['a traversing S3 key', { fnCode: { S3Key: 'x/../../../outside.zip' } }],
])('a function with %s is refused, naming the function', (_, c) => {
  fs.mkdirSync(path.join(sandbox, 'outside'), { recursive: true });
  fs.writeFileSync(path.join(sandbox, 'outside', 'index.js'), HANDLER);
  const message = refusal(() => readDistribution(craft(c)));
  expect(message).toMatch(/EdgeFn/);
  expect(message).toMatch(/outside the cloud assembly|absolute/);
});

test('an asset folder that is a symlink out of cdk.out is refused', () => {
  const appDir = craft({ fnCode: { S3Key: 'abc.zip' }, fnMetadata: { 'aws:asset:path': 'asset.abc' } });
  fs.mkdirSync(path.join(sandbox, 'outside'));
  fs.writeFileSync(path.join(sandbox, 'outside', 'index.js'), HANDLER);
  fs.symlinkSync(path.join(sandbox, 'outside'), path.join(appDir, 'asset.abc'), 'dir');
  expect(refusal(() => readDistribution(appDir))).toMatch(/EdgeFn.*outside the cloud assembly/);
});

test('a handler that climbs out of its code folder is not loaded', () => {
  const appDir = craft({ handler: '../../../outside/index.handler' });
  fs.mkdirSync(path.join(sandbox, 'outside'));
  fs.writeFileSync(path.join(sandbox, 'outside', 'index.js'), HANDLER);
  const model = readDistribution(appDir);
  const fn = model.behaviors[model.behaviors.length - 1].edgeFunctions['viewer-request']!;
  expect(() => loadEdgeFunction(fn as never)).toThrow(/handler .*outside its code folder/);
});

test.each(['../outside.template.json', '/etc/passwd'])('a stack whose templateFile is %j is refused (local edge and diff)', (templateFile) => {
  const appDir = craft();
  const manifest = JSON.parse(fs.readFileSync(path.join(appDir, 'manifest.json'), 'utf8'));
  manifest.artifacts.Crafted.properties.templateFile = templateFile;
  fs.writeFileSync(path.join(appDir, 'manifest.json'), JSON.stringify(manifest));
  expect(refusal(() => readStacks(appDir))).toMatch(/Crafted.*templateFile/);
  expect(() => loadTemplates(appDir)).toThrow(/Crafted.*templateFile .*outside the cloud assembly|absolute/);
});

test('a nested assembly whose directoryName leaves cdk.out is refused (local edge and diff)', () => {
  const appDir = craft({ manifestExtra: { Stage: { type: 'cdk:cloud-assembly', properties: { directoryName: '../../elsewhere' } } } });
  expect(refusal(() => readStacks(appDir))).toMatch(/Stage.*directoryName/);
  expect(() => loadTemplates(appDir)).toThrow(/Stage.*directoryName/);
});

test('a bucket deployment whose source key leaves cdk.out is refused, naming it', () => {
  const appDir = craft({
    extraResources: {
      Bucket: { Type: 'AWS::S3::Bucket' },
      Deploy: { Type: 'Custom::CDKBucketDeployment', Properties: { DestinationBucketName: { Ref: 'Bucket' }, SourceObjectKeys: ['x/../../../outside.zip'] } },
    },
  });
  fs.mkdirSync(path.join(sandbox, 'outside'));
  expect(refusal(() => readDistribution(appDir))).toMatch(/Deploy.*outside the cloud assembly/);
});

test('a key value store whose import source is a link out of cdk.out is refused, naming it', () => {
  const appDir = craft({
    extraResources: { Store: { Type: 'AWS::CloudFront::KeyValueStore', Properties: { Name: 's', ImportSource: { SourceType: 'S3', SourceArn: 'arn:aws:s3:::bucket/store.json' } } } },
  });
  fs.writeFileSync(path.join(sandbox, 'secret.json'), '{"data":[{"key":"k","value":"v"}]}');
  fs.symlinkSync(path.join(sandbox, 'secret.json'), path.join(appDir, 'asset.store.json'));
  expect(() => readDistribution(appDir)).toThrow(/Store.*link that leads outside the cloud assembly/);
});

test('the site bucket does not serve a file through a link out of its deployed folder', () => {
  const folder = path.join(sandbox, 'site');
  fs.mkdirSync(folder);
  fs.writeFileSync(path.join(folder, 'index.html'), 'ok');
  fs.writeFileSync(path.join(sandbox, 'secret.txt'), 'secret');
  fs.symlinkSync(path.join(sandbox, 'secret.txt'), path.join(folder, 'leak.txt'));
  const get = (uri: string) => fetchS3([{ folders: [folder], keyPrefix: '', metadata: {} }], '', { method: 'GET', uri, querystring: '', headers: {}, clientIp: '127.0.0.1', body: Buffer.alloc(0) });
  expect(get('/index.html').status).toBe(200);
  const leak = get('/leak.txt');
  expect(leak.status).toBe(403);
  expect(leak.body.toString()).not.toContain('secret');
});
