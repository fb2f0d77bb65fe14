import * as path from 'path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { CONTROL_HEADER, CONTROL_PREFIX, POP_HEADER } from '../local/types';

/** The local edge (HTTP server, function sandbox, parsers) loads when the command runs, not with `--help`. */
const server = () => require('../local/server') as typeof import('../local/server');

interface LocalOptions {
  app: string;
  stack?: string;
  port: number;
  host: string;
  origin?: Record<string, string>;
  pops: number;
  log: string | false;
  clock: 'real' | 'virtual';
  viewerCountry: string;
  viewerProtocol: 'http' | 'https';
  json?: boolean;
  kvsFile?: Record<string, string>;
  watch?: boolean;
  functionBudgetMs?: number;
  cloudfrontPort: number;
  invalidationSeconds: number;
}

export function register(program: Command): void {
  program
    .command('local')
    .description('Run the synthesized CloudFront distribution on localhost: its behaviors, cache policies and Lambda@Edge bundles, read from cdk.out.')
    .option('--app <dir>', 'cloud assembly folder (the output of cdk synth)', 'cdk.out')
    .option('--stack <name>', 'stack (or Stack/LogicalId) holding the distribution, when the assembly has several')
    .option('--port <n>', 'port to listen on (0 picks a free one)', port, 8080)
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--origin <key=url>', "send an origin's requests to URL; KEY is the origin id or its configured domain name (repeatable)", collectOrigin)
    .option('--pops <n>', 'number of edge locations, each with its own cache', count, 1)
    .option('--log <file>', "access log lines (CloudFront standard log fields): appended to FILE, or '-' for stdout", '-')
    .option('--no-log', 'no access log')
    .addOption(new Option('--clock <kind>', "'virtual' freezes time until moved with POST /__tiered-cdn/clock/advance?seconds=N (header x-tiered-cdn-control: 1)").choices(['real', 'virtual']).default('real'))
    .option('--viewer-country <code>', 'CloudFront-Viewer-Country of viewers (per request: x-tiered-cdn-viewer-country header)', 'US')
    .addOption(new Option('--viewer-protocol <p>', 'protocol viewers are taken to use (per request: x-tiered-cdn-viewer-protocol header)').choices(['https', 'http']).default('https'))
    .option('--kvs-file <store=file>', 'load a key value store (logical id or name) from an import-source JSON file instead of the one in cdk.out (repeatable)', collectKvsFile)
    .option('--watch', 're-read the assembly when a synth rewrites it: behaviors, policies and functions change without a restart')
    .option('--function-budget-ms <ms>', 'local compute time per CloudFront Function run reported as over budget', budget, 1)
    .option('--cloudfront-port <n>', 'port of the CloudFront invalidation API (0 picks a free one)', port, 0)
    .option('--invalidation-seconds <s>', 'seconds an invalidation reads InProgress before Completed (objects leave the caches at once)', nonNegative, 1)
    .option('--json', 'print the startup summary as one JSON line')
    .addHelpText(
      'after',
      `
The S3 site origin is served from the BucketDeployment's source folder in cdk.out unless overridden
with --origin. Each response carries x-cache, age, via, x-amz-cf-pop and x-amz-cf-id as CloudFront
sends them. With several --pops, requests go round-robin, or to the one named by the ${POP_HEADER}
header (index or name). Control endpoints under ${CONTROL_PREFIX}: GET clock, POST clock/advance?seconds=N,
GET stats, POST stats/reset, POST invalidate?path=P. They answer only requests that carry the
${CONTROL_HEADER} header (any value), name localhost or an IP address in Host, and come from no page
of another origin: a web page open in a browser cannot reach them. The CloudFront invalidation API (CreateInvalidation, GetInvalidation,
ListInvalidations) answers on its own port for the distribution id printed at startup:
  $ tiered-cdn invalidate --endpoint <cloudfront endpoint> --distribution <id> --tags product:42 --wait

Examples:
  $ npx cdk synth --quiet && tiered-cdn local --origin api.example.com=http://127.0.0.1:9000
  $ tiered-cdn local --port 0 --pops 3 --clock virtual --log edge.log --origin api=http://127.0.0.1:9000`,
    )
    .action(async (opts: LocalOptions) => {
      const edge = await server().startLocalEdge({
        app: opts.app,
        stack: opts.stack,
        port: opts.port,
        host: opts.host,
        origins: opts.origin ?? {},
        pops: opts.pops,
        log: opts.log || undefined,
        clock: opts.clock,
        viewerCountry: opts.viewerCountry,
        viewerProtocol: opts.viewerProtocol,
        kvsFiles: opts.kvsFile,
        watch: opts.watch,
        functionBudgetMs: opts.functionBudgetMs,
        cloudfrontPort: opts.cloudfrontPort,
        invalidationSeconds: opts.invalidationSeconds,
      });
      const d = edge.distribution;
      if (opts.json) {
        process.stdout.write(
          `${JSON.stringify({
            url: edge.url,
            stack: d.stackName,
            distribution: d.logicalId,
            pops: edge.pops,
            clock: edge.clock.kind,
            behaviors: d.behaviors.map((b) => b.pathPattern),
            cloudfrontEndpoint: edge.cloudfrontEndpoint,
            kvsEndpoint: edge.kvsEndpoint,
            keyValueStores: Object.values(d.keyValueStores ?? {}).map((s) => s.arn),
            distributionId: edge.distributionId,
            cacheTagHeader: d.cacheTagHeader ?? null,
            functionLanguage: edge.functionLanguage,
          })}\n`,
        );
      } else {
        const lines = [
          `tiered-cdn local: ${d.stackName}/${d.logicalId} listening on ${edge.url}`,
          `  behaviors: ${d.behaviors.map((b) => `${b.pathPattern} -> ${b.targetOriginId}`).join(', ')}`,
          `  edge locations: ${edge.pops.join(', ')}; clock: ${edge.clock.kind}`,
          `  CloudFront API: ${edge.cloudfrontEndpoint} (distribution ${edge.distributionId}${d.cacheTagHeader ? `; cache tags from ${d.cacheTagHeader}` : ''})`,
          ...Object.values(d.keyValueStores ?? {}).map((s) => `  KeyValueStore ${s.logicalId}: ${s.arn} (API: ${edge.kvsEndpoint}; ${s.data.length} keys from ${path.basename(s.source)})`),
          '  Ctrl-C to stop',
        ];
        process.stderr.write(`${lines.join('\n')}\n`);
      }
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          void edge!.close().then(resolve);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      if (!opts.json) process.stderr.write('tiered-cdn local: stopped\n');
    });
}

function collectOrigin(value: string, previous: Record<string, string> | undefined): Record<string, string> {
  const i = value.indexOf('=');
  if (i <= 0 || i === value.length - 1) throw new InvalidArgumentError(`expected KEY=URL (e.g. api.example.com=http://127.0.0.1:9000), got '${value}'`);
  return { ...previous, [value.slice(0, i)]: value.slice(i + 1) };
}

function collectKvsFile(value: string, previous: Record<string, string> | undefined): Record<string, string> {
  const i = value.indexOf('=');
  if (i <= 0 || i === value.length - 1) throw new InvalidArgumentError(`expected STORE=FILE (e.g. RoutesStore=routes.json), got '${value}'`);
  return { ...previous, [value.slice(0, i)]: value.slice(i + 1) };
}

function budget(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`expected a number of milliseconds above 0, got '${value}'`);
  return n;
}

function nonNegative(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`expected a number of seconds >= 0, got '${value}'`);
  return n;
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError(`expected a port from 0 to 65535, got '${value}'`);
  return n;
}

function count(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new InvalidArgumentError(`expected a whole number from 1 to 64, got '${value}'`);
  return n;
}
