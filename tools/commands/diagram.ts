import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Command } from 'commander';
import { CliError, UsageError } from '../errors';
import { loadTemplates, synthesize } from '../diff/synth';
import { distributionsOf } from '../diagram/model';
import { EMBED_END, EMBED_START, embed, hasEmbed, toMarkdown, toMermaid } from '../diagram/mermaid';

interface DiagramOptions {
  app: string;
  synth?: boolean;
  context: string[];
  out?: string;
  check?: string;
}

export function register(program: Command): void {
  program
    .command('diagram')
    .description('Draw the synthesized distribution as a Mermaid flowchart: routes by tier, edge functions, origins and Origin Shield.')
    .option('--app <dir>', 'cloud assembly to read', 'cdk.out')
    .option('--synth', 'run cdk synth first (into a temporary folder) instead of reading --app')
    .option('-c, --context <key=value>', 'context for --synth, repeatable', (v: string, prev: string[]) => [...prev, v], [])
    .option('--out <file>', 'write the diagram to a file: into the marked block of a document that has the markers, else a .md document with a mermaid block, else the bare chart')
    .option('--check <file>', 'exit 1 when <file> differs from the diagram generated now (for CI)')
    .addHelpText(
      'after',
      `
To embed the chart in another Markdown file (a README), put these two lines where it goes and
run --out on that file; --check then compares only the block between them:
  ${EMBED_START}
  ${EMBED_END}

Examples:
  $ tiered-cdn diagram --synth --out docs/diagram.md
  $ tiered-cdn diagram --synth --check docs/diagram.md
  $ tiered-cdn diagram --app cdk.out --out README.md`,
    )
    .action(async (opts: DiagramOptions) => {
      let tmp: string | undefined;
      let templates;
      try {
        if (opts.synth) {
          if (!fs.existsSync(path.join(process.cwd(), 'cdk.json'))) {
            throw new UsageError(`--synth runs the app that cdk.json names, and ${process.cwd()} has no cdk.json`, {
              hint: `run it from your CDK project's folder; or create cdk.json there, e.g. {"app": "npx tsx cdk-app.ts"}; or synthesize first (npx cdk synth --app 'npx tsx cdk-app.ts') and pass --app cdk.out`,
            });
          }
          tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tiered-cdn-diagram-'));
          templates = await synthesize(process.cwd(), tmp, { context: opts.context, log: (l) => process.stderr.write(`${l}\n`) });
        } else {
          if (!fs.existsSync(opts.app)) throw new CliError(`--app '${opts.app}' does not exist`, { hint: "run 'npx cdk synth' first, or pass --synth" });
          templates = loadTemplates(opts.app);
        }
      } finally {
        if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
      }
      const distributions = Object.keys(templates)
        .sort()
        .flatMap((stack) => distributionsOf(stack, templates[stack]));
      if (distributions.length === 0) throw new CliError(`no AWS::CloudFront::Distribution in ${opts.synth ? 'the synthesized app' : opts.app}`);
      const chart = toMermaid(distributions);
      // A Markdown file with the embedding markers (the README) gets only the marked block
      // rewritten; another .md file is the generated document; anything else the bare chart.
      const render = (file: string, existing: string | undefined) =>
        existing !== undefined && hasEmbed(existing) ? embed(existing, chart) : file.endsWith('.md') ? toMarkdown(chart, file) : chart;
      if (opts.check) {
        const current = fs.existsSync(opts.check) ? fs.readFileSync(opts.check, 'utf8') : undefined;
        const expected = render(opts.check, current);
        if (current !== expected) {
          throw new CliError(
            `${opts.check} is ${current === undefined ? 'missing' : 'stale'}: it does not match the synthesized distribution; regenerate it with 'tiered-cdn diagram --synth --out ${opts.check}' and commit it${current === undefined ? '' : `\n${lineChanges(current, expected)}`}`,
          );
        }
        process.stdout.write(`${opts.check} is up to date\n`);
        return;
      }
      if (opts.out) {
        fs.writeFileSync(opts.out, render(opts.out, fs.existsSync(opts.out) ? fs.readFileSync(opts.out, 'utf8') : undefined));
        process.stdout.write(`wrote ${opts.out} (${distributions.length} distribution(s), ${distributions.reduce((n, d) => n + d.behaviors.length, 0)} route(s))\n`);
        return;
      }
      process.stdout.write(chart);
    });
}

/** The lines only one side has, so a CI log shows what changed without a checkout. */
function lineChanges(current: string, expected: string, max = 20): string {
  const had = new Set(current.split('\n'));
  const has = new Set(expected.split('\n'));
  const lines = [
    ...[...had].filter((l) => !has.has(l)).map((l) => `- ${l}`),
    ...[...has].filter((l) => !had.has(l)).map((l) => `+ ${l}`),
  ];
  return lines.slice(0, max).join('\n') + (lines.length > max ? `\n... ${lines.length - max} more` : '');
}
