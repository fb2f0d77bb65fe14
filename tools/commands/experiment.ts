import { Command } from 'commander';
import type { KvsExperimentValue } from '../../lambda-edge/shared/experiment-kvs';
import { describeExperimentValue, experimentValueProblem } from '../../lambda-edge/shared/kvs-values';
import type { PlannedExperiment } from '../../lib/plan';
import { appPlans, checkVariants, ExperimentError, kvsValuePlan, parseWeights, plannedExperiment, type StoreTarget, writeExperiment } from '../experiment/store';

interface ExperimentOptions {
  kvsArn: string;
  endpoint?: string;
  app?: string;
  json?: boolean;
}

/**
 * The store a command writes to. `--kvs-arn` is checked here, in the action, after commander has
 * checked the arguments: a command given nothing names its missing first argument first.
 */
export function storeTarget(opts: { kvsArn?: string; endpoint?: string }, command: Command): StoreTarget {
  if (!opts.kvsArn) command.error("error: required option '--kvs-arn <arn>' not specified", { exitCode: 2, code: 'commander.missingMandatoryOptionValue' });
  return { kvsArn: opts.kvsArn, endpoint: opts.endpoint };
}

/**
 * Checks the value with the rules the viewer-request function applies (lambda-edge/shared/kvs-values.ts)
 * against the app's plan, before anything is written; says what the function will do with it.
 */
function checkValue(opts: ExperimentOptions, name: string, value: KvsExperimentValue, planned: PlannedExperiment | undefined): string | undefined {
  const plans = appPlans(opts.app);
  if (!plans) return undefined;
  const problem = experimentValueProblem(name, value, kvsValuePlan(plans));
  if (problem) throw new ExperimentError(`${problem}; nothing was written`, { exitCode: 2 });
  return planned ? describeExperimentValue(name, value, planned.variants) : undefined;
}

function report(opts: ExperimentOptions, name: string, action: string, result: Awaited<ReturnType<typeof writeExperiment>>, effect: string | undefined): void {
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ experiment: name, action, key: result.key, value: result.value, previous: result.previous ?? null, etag: result.etag, ...(effect ? { effect } : {}) })}\n`);
    return;
  }
  const weights = result.value.weights ? Object.entries(result.value.weights).map(([v, w]) => `${v}=${w}`).join(' ') : 'off';
  process.stdout.write(`experiment ${name}: ${weights} (key ${result.key}, store ETag ${result.etag}); new viewers get it at once, viewers with a variant cookie keep theirs\n`);
  if (effect) process.stdout.write(`${effect}\n`);
}

const storeOptions = (c: Command) =>
  c
    // Checked in the action, after the arguments: `experiment set` alone names the missing <name> first.
    .option('--kvs-arn <arn>', 'ARN of the experiment KeyValueStore (the stack output ExperimentStoreArn; required)')
    .option('--endpoint <url>', 'KeyValueStore API endpoint (e.g. the local edge: tiered-cdn local prints it)')
    .option('--app <dir>', 'cloud assembly whose experiments the names are checked against (default: cdk.out when it exists)')
    .option('--json', 'print the result as one JSON line');

export function register(program: Command): void {
  const experiment = program
    .command('experiment')
    .description("Change an A/B experiment without a deploy: its weights or its off switch, in the KeyValueStore the routes' CloudFront Functions read.");

  storeOptions(
    experiment
      .command('set <name> <weights...>')
      .description('set the weights of an experiment (VARIANT=WEIGHT ...; relative shares, e.g. control=80 redesign=20)'),
  )
    .addHelpText(
      'after',
      `
Weights apply to viewers without a variant cookie; viewers already in a variant keep it (sticky).
A variant left out keeps its deployed weight. Routes with auth (Lambda@Edge) keep the deployed weights.

Example:
  $ tiered-cdn experiment set home control=80 redesign=20 --kvs-arn arn:aws:cloudfront::123456789012:key-value-store/...`,
    )
    .action(async (name: string, args: string[], opts: ExperimentOptions, command: Command) => {
      const store = storeTarget(opts, command);
      const weights = parseWeights(args);
      const planned = plannedExperiment(opts.app, name);
      checkVariants(weights, planned);
      const value: KvsExperimentValue = { weights };
      const effect = checkValue(opts, name, value, planned);
      report(opts, name, 'set', await writeExperiment(store, name, value), effect);
    });

  storeOptions(experiment.command('off <name>').description('stop an experiment: new viewers all get its first (control) variant; viewers with a variant cookie keep theirs')).action(
    async (name: string, opts: ExperimentOptions, command: Command) => {
      const store = storeTarget(opts, command);
      const planned = plannedExperiment(opts.app, name);
      const effect = checkValue(opts, name, { off: true }, planned);
      report(opts, name, 'off', await writeExperiment(store, name, { off: true }), effect);
    },
  );
}
