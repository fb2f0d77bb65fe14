import { Command, InvalidArgumentError } from 'commander';
import { CliError } from '../errors';

/** Loaded when the command runs: the replay brings the local edge's function sandbox (acorn). */
const load = {
  assembly: () => require('../local/assembly') as typeof import('../local/assembly'),
  report: () => require('../replay/report') as typeof import('../replay/report'),
  run: () => require('../replay/run') as typeof import('../replay/run'),
};

interface ReplayCliOptions {
  log: string[];
  app: string;
  baseApp?: string;
  stack?: string;
  assume: Record<string, number>;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('replay')
    .description("Replay CloudFront standard access logs against a synthesized distribution: hit ratio, origin requests and bytes, edge function invocations and monthly cost, now and as proposed.")
    .requiredOption('--log <file or folder...>', 'CloudFront standard logs: legacy W3C, or v2 JSON, W3C or Parquet; gzipped or not; folders are read recursively')
    .option('--app <dir>', 'the proposed distribution: a synthesized cloud assembly', 'cdk.out')
    .option('--base-app <dir>', 'compare with this synthesized assembly (the one the logs were written under) instead of the logs\' own figures')
    .option('--stack <name>', 'stack name (or Stack/LogicalId) when an assembly has several distributions')
    .option('--assume <pattern=seconds>', "what the origin will send as s-maxage for a behavior of --app where the logs cannot tell (a route nothing is cached on today), repeatable", collectAssume, {})
    .option('--json', 'print the report as JSON on stdout')
    .addHelpText(
      'after',
      `
No HTTP and no origin: the logs' own hits and misses say how long each behavior keeps objects
today (the report says from how many samples); the proposed behaviors, cache keys, TTL bounds and
Origin Shield are then applied to the same requests, per edge location. Monthly cost: the logged
traffic scaled to 30 days at list prices (dated in the report).
Exit status: 0 done, 1 a log or assembly that cannot be read, 2 a wrong option.

Examples:
  $ tiered-cdn replay --log logs/ --app cdk.out
  $ tiered-cdn replay --log E2QWRUHAPOMQZL.2026-12-01-10.0a1b2c3d.gz --base-app deployed.out --app cdk.out --json
  $ tiered-cdn replay --log sample.log --app cdk.out --assume '/api/feed/*=30'`,
    )
    .action(async (opts: ReplayCliOptions) => {
      const { readDistribution } = load.assembly();
      const app = readDistribution(opts.app, opts.stack);
      const base = opts.baseApp ? readDistribution(opts.baseApp, opts.stack) : undefined;
      const unknown = Object.keys(opts.assume).filter((p) => !app.behaviors.some((b) => b.pathPattern === p));
      if (unknown.length) {
        throw new CliError(`--assume names no behavior of ${opts.app}: ${unknown.join(', ')}; its path patterns: ${app.behaviors.map((b) => b.pathPattern).join(', ')}`, { exitCode: 2 });
      }
      const report = await load.run().replayLogs({ logs: opts.log, app, base, assume: opts.assume });
      process.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : load.report().formatReplay(report));
    });
}

function collectAssume(value: string, previous: Record<string, number>): Record<string, number> {
  const m = /^(.+)=(\d+)$/.exec(value);
  if (!m) throw new InvalidArgumentError(`expected PATTERN=SECONDS (e.g. '/api/feed/*=30'), got: '${value}'`);
  return { ...previous, [m[1]]: Number(m[2]) };
}
