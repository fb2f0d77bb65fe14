import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Command } from 'commander';
import { CliError } from '../errors';
import type { Template } from '../diff/compare';
import { loadTemplates, repoRoot, resolveCommit, synthesize, synthesizeRef } from '../diff/synth';
import { DEV_KEY_DIR } from '../dev-keys';
import type { ReplayReport } from '../replay/run';

/**
 * Loaded when the command runs, not when the CLI starts: @aws-cdk/cloudformation-diff alone takes
 * some 30 ms to load, which `--help` and every other command would pay for nothing.
 */
const load = {
  compare: () => require('../diff/compare') as typeof import('../diff/compare'),
  replay: () => require('../replay/run') as typeof import('../replay/run'),
  report: () => require('../replay/report') as typeof import('../replay/report'),
  assembly: () => require('../local/assembly') as typeof import('../local/assembly'),
};

interface DiffOptions {
  base: string;
  old?: string;
  new?: string;
  context: string[];
  failOnReplace?: boolean;
  json?: boolean;
  color?: boolean;
  replayLog?: string[];
  replayStack?: string;
}

export function register(program: Command): void {
  program
    .command('diff')
    .description('Offline CloudFormation diff between a git ref and the working tree (no AWS credentials): replacements and TTL/cache-key changes first.')
    .option('--base <ref>', "git ref to compare against: that commit is checked out into a temporary worktree and its cdk.json app is run (code from that commit runs on this machine)", 'HEAD')
    .option('--old <path>', 'compare this template or cdk.out folder instead of synthesizing --base')
    .option('--new <path>', 'compare this template or cdk.out folder instead of synthesizing the working tree')
    .option('-c, --context <key=value>', 'context passed to cdk synth on both sides, repeatable', (v: string, prev: string[]) => [...prev, v], [])
    .option('--fail-on-replace', 'exit 1 when any resource would be replaced or destroyed')
    .option('--json', 'print a JSON summary (replacements and cache changes per stack) instead of the text report')
    .option('--color', 'keep colours in the full difference')
    .option('--replay-log <file or folder...>', 'also replay these CloudFront standard logs against the new side and add the replay table (default: $TIERED_CDN_REPLAY_LOG, space-separated)')
    .option('--replay-stack <name>', 'the distribution to replay when the new side has several (stack name or Stack/LogicalId)')
    .addHelpText(
      'after',
      `
--base runs the app command of the cdk.json committed at that ref, with this machine's permissions
and environment: compare only against refs whose code you would run yourself (for a branch from
someone else, diff two templates synthesized elsewhere with --old and --new).

Examples:
  $ tiered-cdn diff --base origin/main --fail-on-replace
  $ tiered-cdn diff --old before.template.json --new cdk.out
  $ tiered-cdn diff --base origin/main --replay-log logs/sample/`,
    )
    .action(async (opts: DiffOptions) => {
      const log = (line: string) => process.stderr.write(`${line}\n`);
      let tmp: string | undefined;
      let oldTemplates: Record<string, Template>;
      let newTemplates: Record<string, Template>;
      let oldLabel: string;
      let replay: ReplayReport | undefined;
      const replayLogsGiven = opts.replayLog ?? (process.env.TIERED_CDN_REPLAY_LOG ? process.env.TIERED_CDN_REPLAY_LOG.split(/\s+/).filter(Boolean) : undefined);
      if (replayLogsGiven && opts.new && !fs.existsSync(path.join(opts.new, 'manifest.json'))) {
        throw new CliError(`--replay-log needs the new side as a cloud assembly folder, got: ${opts.new}`, { exitCode: 2 });
      }
      try {
        const startOld = () =>
          opts.old
            ? Promise.resolve({ templates: loadTemplates(opts.old), label: opts.old })
            : synthesizeRef(repoRoot(process.cwd()), opts.base, { context: opts.context, log, appDir: process.cwd() }).then((base) => ({
                templates: base.templates,
                label: `${opts.base} (${base.sha.slice(0, 12)})`,
              }));
        const startNew = (): Promise<Record<string, Template>> => {
          if (opts.new) return Promise.resolve(loadTemplates(opts.new));
          tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tiered-cdn-diff-new-'));
          return synthesize(process.cwd(), tmp, { context: opts.context, log });
        };
        // A bad ref fails before any synth starts.
        if (!opts.old) resolveCommit(repoRoot(process.cwd()), opts.base);
        // The two sides are independent and synthesize at the same time.
        const keyDir = path.join(process.cwd(), DEV_KEY_DIR);
        const hadKey = fs.existsSync(keyDir);
        const [oldResult, newResult] = await Promise.allSettled([startOld(), startNew()]);
        if (oldResult.status === 'rejected') throw oldResult.reason;
        if (newResult.status === 'rejected') throw newResult.reason;
        let base = oldResult.value;
        // A first synth that generated the development key (a fresh checkout) ran beside a base
        // that made its own: synthesize the base again with the working tree's key.
        if (!hadKey && !opts.old && fs.existsSync(keyDir)) base = await startOld();
        oldTemplates = base.templates;
        oldLabel = base.label;
        newTemplates = newResult.value;
        // The replay reads the new side's assembly before its temporary folder goes.
        if (replayLogsGiven) replay = await load.replay().replayLogs({ logs: replayLogsGiven, app: load.assembly().readDistribution(opts.new ?? tmp!, opts.replayStack) });
      } finally {
        if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
      }
      const { diffStacks, formatStackDiffs } = load.compare();
      const diffs = diffStacks(oldTemplates, newTemplates);
      const replacements = diffs.flatMap((d) => d.replacements.map((r) => ({ stack: d.stack, ...r })));
      if (opts.json) {
        const summary = diffs.map(({ stack, replacements: r, cacheChanges, routeChanges, resourceChanges }) => ({ stack, resourceChanges, routeChanges, replacements: r, cacheChanges }));
        process.stdout.write(`${JSON.stringify({ old: oldLabel, new: opts.new ?? 'working tree', stacks: summary, ...(replay ? { replay } : {}) }, null, 2)}\n`);
      } else {
        process.stdout.write(`Comparing ${oldLabel} -> ${opts.new ?? 'working tree'}\n\n${formatStackDiffs(diffs, { color: opts.color })}`);
        if (replay) process.stdout.write(`\n${load.report().formatReplay(replay)}`);
      }
      if (opts.failOnReplace && replacements.length > 0) {
        throw new CliError(
          `${replacements.length} resource(s) would be replaced or destroyed (--fail-on-replace): ${replacements.map((r) => `${r.stack}/${r.logicalId} (${r.type})`).join(', ')}`,
        );
      }
    });
}
