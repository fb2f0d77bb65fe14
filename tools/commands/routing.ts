import { Command } from 'commander';
import type { KvsOriginValue } from '../../lambda-edge/shared/experiment-kvs';
import { describeOriginValue, originValueProblem } from '../../lambda-edge/shared/kvs-values';
import { appPlans, ExperimentError, kvsValuePlan, writeOrigin } from '../experiment/store';
import { storeTarget } from './experiment';

interface RoutingOptions {
  kvsArn?: string;
  endpoint?: string;
  app?: string;
  json?: boolean;
}

/**
 * `tiered-cdn routing set <origin> <domain>`: the live domain of a routing target (`origin:<id>` in the
 * KeyValueStore the viewer-request CloudFront Functions read), checked against the app's plan before
 * it is written: only a target the routing rules use, only a domain the app declares for an origin.
 */
export function register(program: Command): void {
  const routing = program
    .command('routing')
    .description("Point a routing target (an origin that originRouting rules send viewers to) at another domain the app declares, without a deploy, in the KeyValueStore the routes' CloudFront Functions read.");

  routing
    .command('set <origin> <domain>')
    .description("send the requests the routing rules give to <origin> to <domain>, one of the origin domains the app declares (its own restores it)")
    // Checked in the action, after the arguments: `routing set` alone names the missing <origin> first.
    .option('--kvs-arn <arn>', 'ARN of the KeyValueStore (the stack output ExperimentStoreArn; required)')
    .option('--endpoint <url>', 'KeyValueStore API endpoint (e.g. the local edge: tiered-cdn local prints it)')
    .option('--app <dir>', 'cloud assembly whose plan the value is checked against (default: cdk.out)')
    .option('--json', 'print the result as one JSON line')
    .addHelpText(
      'after',
      `
The value is checked before it is written: <origin> must be a routing target of the app, and <domain>
one of the custom origin domains its templates declare (so the origin-verify secret only ever goes
to an origin of the app). Routes with auth route on Lambda@Edge and keep the deployed domain.

Example:
  $ tiered-cdn routing set apiEu api.example.com --kvs-arn arn:aws:cloudfront::123456789012:key-value-store/...`,
    )
    .action(async (origin: string, domain: string, opts: RoutingOptions, command: Command) => {
      const target = storeTarget(opts, command);
      const plans = appPlans(opts.app ?? 'cdk.out');
      if (!plans || plans.length === 0) throw new ExperimentError(`no TieredCdn plan in ${opts.app ?? 'cdk.out'} to check the value against; synthesize the app or pass --app DIR; nothing was written`);
      const value: KvsOriginValue = { domainName: domain.toLowerCase() };
      const problem = originValueProblem(origin, value, kvsValuePlan(plans));
      if (problem) throw new ExperimentError(`${problem}; nothing was written`, { exitCode: 2 });
      const effect = describeOriginValue(origin, value);
      const result = await writeOrigin(target, origin, value);
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ origin, action: 'set', key: result.key, value: result.value, previous: result.previous ?? null, etag: result.etag, effect })}\n`);
        return;
      }
      process.stdout.write(`origin ${origin}: ${value.domainName} (key ${result.key}, store ETag ${result.etag}${result.previous !== undefined ? `, was ${typeof result.previous === 'object' && result.previous && typeof result.previous.domainName === 'string' ? result.previous.domainName : JSON.stringify(result.previous)}` : ''})\n${effect}\n`);
    });
}
