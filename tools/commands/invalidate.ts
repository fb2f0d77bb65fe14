import * as fs from 'fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import type { PathGroupsDocument } from '../../lib/path-groups';
import { CliError, UsageError } from '../errors';
import { loadPathGroups, pathsForGroups } from '../invalidate/groups';
import { InvalidPathsError, InvalidTagsError, printable, TAG_ITEM_PREFIX } from '../../lambda-edge/shared/invalidation';
import { DEFAULT_TIMING, DISTRIBUTION_ID_OUTPUT } from '../invalidate/defaults';
import type { InvalidationResult, Runtime } from '../invalidate/run';

/**
 * Loaded when an invalidation runs, not when the CLI starts: the AWS SDK clients take some 50 ms
 * to load, which `--help`, a usage error and every other command would pay for nothing.
 */
const sdk = {
  cloudfront: () => require('@aws-sdk/client-cloudfront') as typeof import('@aws-sdk/client-cloudfront'),
  cloudformation: () => require('@aws-sdk/client-cloudformation') as typeof import('@aws-sdk/client-cloudformation'),
  run: () => require('../invalidate/run') as typeof import('../invalidate/run'),
  stack: () => require('../invalidate/stack') as typeof import('../invalidate/stack'),
};

interface InvalidateOptions {
  distribution?: string;
  stack?: string;
  outputKey?: string;
  region?: string;
  paths?: string[];
  pathsFile?: string;
  tags?: string[];
  group?: string[];
  manifest?: string;
  all?: boolean;
  yesInvalidateEverything?: boolean;
  wait?: boolean;
  timeout: number;
  pollInterval: number;
  retryDelay: number;
  maxAttempts: number;
  dryRun?: boolean;
  json?: boolean;
  endpoint?: string;
}

export function register(program: Command): void {
  program
    .command('invalidate')
    .description(
      'Invalidate cached objects of a distribution by path and by cache tag: validated, de-duplicated, folded under wildcards and batched to the in-progress quotas (each tag counts as one path).',
    )
    .addOption(new Option('--distribution <id>', 'CloudFront distribution id').argParser(distributionId).conflicts('stack'))
    .option('--stack <name>', `CloudFormation stack whose '${DISTRIBUTION_ID_OUTPUT}' output names the distribution (its template also supplies the path groups)`)
    .option('--output-key <key>', `stack output holding the distribution id (default: ${DISTRIBUTION_ID_OUTPUT})`)
    .option('--region <region>', 'region of the stack (default: AWS_REGION or the SDK configuration)')
    .option('--paths <paths...>', "paths to invalidate, each starting with '/'; '*' only at the end (an item starting with '#' is a cache tag)")
    .option('--paths-file <file>', 'read more paths from a file, one per line (# followed by a space starts a comment)')
    .option('--tags <tags...>', "cache tags to invalidate (sent as '#tag'): every cached object, every variant, whose tag header names one; case-insensitive")
    .option('--group <names...>', 'invalidate the paths of these named path groups (PathGroups in the stack, or --manifest)')
    .option('--manifest <file>', 'path groups: a JSON file, a *.template.json or a cdk.out folder (default with --stack: the deployed template)')
    .option('--all', "invalidate every object ('/*'); also needs --yes-invalidate-everything")
    .option('--yes-invalidate-everything', 'confirm --all')
    .option('--wait', 'wait until every invalidation has completed, showing progress')
    .option('--timeout <seconds>', 'give up waiting or retrying after this many seconds', seconds, DEFAULT_TIMING.timeoutMs / 1000)
    .option('--poll-interval <seconds>', 'longest status poll interval while waiting (the first poll comes after 0.5 s, the delay doubles up to this)', seconds, DEFAULT_TIMING.pollIntervalMs / 1000)
    .option('--retry-delay <seconds>', 'first backoff delay after TooManyInvalidationsInProgress (doubles, with jitter, up to 60 s)', seconds, DEFAULT_TIMING.retryBaseMs / 1000)
    .option('--max-attempts <n>', 'attempts per API call for throttling and transient errors (SDK retry strategy)', positiveInt, 8)
    .option('--dry-run', 'print what would be invalidated and stop')
    .option('--json', 'print the result as JSON on stdout')
    .option('--endpoint <url>', 'CloudFront (and CloudFormation) API endpoint, for a non-AWS endpoint such as the local edge (placeholder credentials on loopback when none are configured)', httpUrl)
    .addHelpText(
      'after',
      `
Examples:
  $ tiered-cdn invalidate --distribution E2ABCDEF --paths /index.html /app/*
  $ tiered-cdn invalidate --distribution E2ABCDEF --tags product:42 category:tv --paths /sitemap.xml --wait
  $ tiered-cdn invalidate --stack Web --group html --wait
  $ tiered-cdn invalidate --distribution E2ABCDEF --group html --manifest cdk.out --dry-run
  $ tiered-cdn invalidate --distribution E2ABCDEF --all --yes-invalidate-everything`,
    )
    .action(async (opts: InvalidateOptions, command: Command) => {
      const usage = usageProblem(opts);
      // commander prints it as its own usage errors: one line, where the options are, exit 2.
      if (usage) command.error(`error: ${usage}`, { exitCode: 2, code: 'commander.invalidArgument' });
      process.exitCode = await invalidate(opts);
    });
}

/** What is wrong with the command line as a whole, before anything is read or sent. */
function usageProblem(opts: InvalidateOptions): string | undefined {
  if (!opts.distribution && !opts.stack) return 'name the distribution: --distribution <id> or --stack <name>';
  if (!opts.paths?.length && !opts.pathsFile && !opts.tags?.length && !opts.group?.length && !opts.all) {
    return 'nothing to invalidate: pass --paths, --tags, --group (with a manifest) or --all';
  }
  const hashed = (opts.tags ?? []).find((t) => t.startsWith(TAG_ITEM_PREFIX));
  if (hashed !== undefined) {
    const bare = hashed.slice(TAG_ITEM_PREFIX.length);
    return `--tags '${printable(hashed)}' starts with '#', which is added when a tag is sent: use --tags ${printable(bare)} (a tag that itself starts with '#' goes in --paths as '#${printable(hashed)}')`;
  }
  return undefined;
}

async function invalidate(opts: InvalidateOptions): Promise<number> {
  try {
    if (!opts.distribution && !opts.stack) {
      throw new CliError('name the distribution: --distribution <id> or --stack <name>');
    }
    const clientConfig = {
      ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
      ...(opts.endpoint && isLoopback(opts.endpoint) && !process.env.AWS_ACCESS_KEY_ID && !process.env.AWS_PROFILE ? { credentials: LOOPBACK_CREDENTIALS } : {}),
      maxAttempts: opts.maxAttempts,
      retryMode: 'standard' as const,
    };
    let distributionId = opts.distribution;
    let groupsDoc: PathGroupsDocument | undefined;
    if (opts.stack) {
      const cfn = new (sdk.cloudformation().CloudFormationClient)({ ...clientConfig, ...(opts.region ? { region: opts.region } : {}) });
      const stack = await sdk.stack().describeDeployedStack(cfn, opts.stack, opts.outputKey);
      distributionId = stack.distributionId;
      if (!opts.json) process.stderr.write(`stack ${opts.stack}: distribution ${distributionId}\n`);
      if (opts.group && !opts.manifest) {
        groupsDoc = await stack.pathGroups();
        if (!groupsDoc) {
          throw new CliError(`the deployed template of ${opts.stack} carries no path groups; pass --manifest <file|cdk.out> or add PathGroups.of(stack).add(...) and deploy`);
        }
      }
    }
    const paths: string[] = [...(opts.paths ?? [])];
    if (opts.pathsFile) paths.push(...readPathsFile(opts.pathsFile));
    if (opts.group) {
      if (!groupsDoc) {
        if (!opts.manifest) throw new UsageError('--group needs path groups: pass --manifest <file|cdk.out>, or --stack to read them from the deployed template');
        groupsDoc = loadPathGroups(opts.manifest);
      }
      paths.push(...pathsForGroups(groupsDoc, opts.group, opts.manifest ?? `stack ${opts.stack}`));
    }

    // CloudFront is a global service signed in us-east-1 whatever the caller's region.
    const cloudfront = new (sdk.cloudfront().CloudFrontClient)({ ...clientConfig, region: 'us-east-1' });
    const result = await sdk.run().runInvalidation(
      {
        distributionId: distributionId!,
        paths,
        tags: opts.tags ?? [],
        all: opts.all === true,
        confirmAll: opts.yesInvalidateEverything === true,
        dryRun: opts.dryRun === true,
        wait: opts.wait === true,
      },
      nodeRuntime(cloudfront, opts.json === true),
      {
        ...DEFAULT_TIMING,
        timeoutMs: opts.timeout * 1000,
        pollIntervalMs: opts.pollInterval * 1000,
        retryBaseMs: opts.retryDelay * 1000,
      },
    );
    printResult(result, opts.json === true);
    return 0;
  } catch (err) {
    // Path and tag rules are shared with the edge code, which cannot depend on the CLI's error base.
    if (err instanceof InvalidPathsError || err instanceof InvalidTagsError) throw new UsageError(err.message);
    throw err;
  }
}

function nodeRuntime(client: CloudFrontClient, quiet: boolean): Runtime {
  const tty = process.stderr.isTTY === true;
  let last = '';
  let transientShown = false;
  return {
    send: client.send.bind(client) as CloudFrontClient['send'],
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    now: () => Date.now(),
    random: Math.random,
    progress: (line, transient) => {
      if (quiet && transient) return;
      if (tty) {
        process.stderr.write(`${transientShown ? '\r\x1b[K' : ''}${line}${transient ? '' : '\n'}`);
        transientShown = transient;
      } else if (line !== last) {
        // Without a terminal, only print changes so CI logs stay short.
        process.stderr.write(`${line}\n`);
      }
      last = line;
    },
  };
}

function printResult(r: InvalidationResult, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
    return;
  }
  const out: string[] = [];
  // Paths come from files, manifests and arguments: printed escaped, so none can drive the terminal.
  const list = (items: readonly string[]) => items.map(printable).join(' ');
  if (r.duplicates.length > 0) out.push(`dropped ${r.duplicates.length} repeated item(s): ${list(r.duplicates)}`);
  for (const f of r.folded) out.push(`folded ${printable(f.path)} (covered by ${printable(f.by)})`);
  const { describeItems } = sdk.run();
  const what = r.tagItems > 0 ? describeItems(r.paths) : `${r.paths.length} path(s)`;
  if (r.dryRun) {
    out.push(`dry run: would invalidate ${what} on ${r.distributionId} in ${r.batches.length} invalidation(s):`);
    r.batches.forEach((b, i) => out.push(`  batch ${i + 1}: ${list(b)}`));
  } else {
    out.push(`invalidated ${what} on ${r.distributionId} (${r.requested} requested${r.tagItems > 0 ? `; ${r.paths.length} counted toward the path quotas` : ''}):`);
    for (const inv of r.invalidations) out.push(`  ${inv.id}  ${inv.status}  ${describeItems(inv.paths)}`);
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

function readPathsFile(file: string): string[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError(`--paths-file '${file}' cannot be read: ${(err as Error).message}`);
  }
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    // '# note' is a comment; '#tag' (no space) is a cache tag item, as CloudFront spells it.
    .filter((l) => l !== '' && !/^#(\s|$)/.test(l));
}

/**
 * An emulator on this machine (the local edge, moto) checks no signature, but the SDK signs every
 * request and fails without credentials: loopback endpoints get placeholder ones unless the
 * environment names real ones.
 */
const LOOPBACK_CREDENTIALS = { accessKeyId: 'local-emulator', secretAccessKey: 'local-emulator' };

function isLoopback(endpoint: string): boolean {
  try {
    const host = new URL(endpoint).hostname;
    return host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
  } catch {
    return false;
  }
}

function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`expected a number of seconds >= 0, got '${value}'`);
  return n;
}

function distributionId(value: string): string {
  if (!/^[A-Za-z0-9]{1,64}$/.test(value)) {
    throw new InvalidArgumentError(`expected a CloudFront distribution id (letters and digits, such as E2ABCDEF12345), got '${printable(value)}'`);
  }
  return value;
}

function httpUrl(value: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url?.protocol !== 'http:' && url?.protocol !== 'https:') {
    throw new InvalidArgumentError(`expected an http(s) URL such as http://127.0.0.1:4566, got '${printable(value)}'`);
  }
  return value;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a whole number >= 1, got '${value}'`);
  return n;
}
