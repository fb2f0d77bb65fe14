/**
 * `npm start`: synthesizes the reference app, starts the demo API origin and the local edge in front
 * of it, and prints what to try. Options: --port N (edge, default 8080), --api-port N (default: a free
 * port), --pops N, --no-synth (reuse cdk.out), --app DIR (with --no-synth: another assembly), --log FILE.
 */
import { spawnSync } from 'child_process';
import * as path from 'path';
import { startDemoApi } from '../examples/demo-api/server';
import { tryLines } from './demo-try';
import { AssemblyError, readDistribution } from './local/assembly';
import { LocalEdgeError, routedDomains, startLocalEdge } from './local/server';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
}

function fail(message: string): never {
  process.stderr.write(`npm start: ${message}\n`);
  process.exit(1);
}

function intArg(name: string, fallback: number): number {
  const v = arg(name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) fail(`${name} must be a whole number from 0 to 65535, got: '${v}'`);
  return n;
}

async function main(): Promise<void> {
  const root = path.resolve(__dirname, '..');
  const appDir = path.resolve(arg('--app') ?? path.join(root, 'cdk.out'));
  const port = intArg('--port', 8080);
  const apiPort = intArg('--api-port', 0);
  const pops = intArg('--pops', 1);
  if (!process.argv.includes('--no-synth')) {
    process.stderr.write('Synthesizing the reference app (npx cdk synth --quiet)...\n');
    const r = spawnSync('npx', ['cdk', 'synth', '--quiet'], { cwd: root, stdio: 'inherit' });
    if (r.status !== 0) fail(`npx cdk synth failed (exit ${r.status ?? r.signal}); fix the error above and run npm start again`);
  }
  let model;
  try {
    model = readDistribution(appDir);
  } catch (err) {
    if (err instanceof AssemblyError) fail(err.message);
    throw err;
  }
  const api = await startDemoApi({ port: apiPort }).catch((err: NodeJS.ErrnoException) =>
    fail(`the demo API cannot listen on port ${apiPort} (${err.code ?? err.message}); pass --api-port N`),
  );
  // Every custom origin of the distribution, and any origin an edge function routes to, is the demo API.
  const origins: Record<string, string> = {};
  for (const o of Object.values(model.origins)) if (o.kind === 'custom') origins[o.domainName] = api.url;
  for (const domain of routedDomains(model)) origins[domain] = api.url;
  let edge;
  try {
    edge = await startLocalEdge({ app: appDir, port, pops, origins, log: arg('--log') });
  } catch (err) {
    await api.close();
    if (err instanceof LocalEdgeError) fail(`${err.message}${port === 8080 ? ' (npm start -- --port 8081)' : ''}`);
    throw err;
  }
  const u = edge.url;
  // As `tiered-cdn local` prints them: where `tiered-cdn experiment` changes weights without a deploy.
  const stores = Object.values(model.keyValueStores ?? {}).map(
    (s) => `KeyValueStore ${s.logicalId}: ${s.arn}   (API: ${edge!.kvsEndpoint}; tiered-cdn experiment set NAME VARIANT=WEIGHT... --kvs-arn ${s.arn} --endpoint ${edge!.kvsEndpoint})`,
  );
  const lines = [
    '',
    `Local edge  ${u}   (${model.stackName}, ${edge.pops.length} edge location(s))`,
    `Demo API    ${api.url}   (origin for ${Object.keys(origins).join(', ')})`,
    `CloudFront API  ${edge.cloudfrontEndpoint}   (distribution ${edge.distributionId})`,
    ...stores,
    '',
    'Try (each line runs as written; the cookie jar demo.jar keeps one viewer across runs):',
    ...tryLines(model, u, { endpoint: edge.cloudfrontEndpoint, distributionId: edge.distributionId }),
    '',
    'Ctrl-C to stop.',
  ];
  process.stdout.write(`${lines.filter((l) => l !== '').join('\n').replace(/\nTry/, '\n\nTry').replace(/\nCtrl/, '\n\nCtrl')}\n`);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void Promise.all([edge!.close(), api.close()]).then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  process.on('SIGHUP', stop);
  // `kill <pid of npm start>`: npm passes the signal to the shell it runs the script in, and the
  // shell dies without passing it on, which left this process serving with no parent. A new parent
  // (init or a subreaper) means whoever started it is gone: stop as on a signal.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) stop();
  }, 250).unref();
}

/** One line per experiment variant, with the cookie that pins it: the names come from the construct's plan. */
main().catch((err) => fail(err instanceof Error ? (err.stack ?? err.message) : String(err)));
