import * as fs from 'fs';
import * as path from 'path';
import { Command, CommanderError, Help, type Option } from 'commander';
import { COMMANDS } from './commands';
import { CliError } from './errors';

function packageVersion(): string {
  // tools/cli.ts in a checkout, dist/tools/cli.js in the package: package.json is two or three up.
  for (const rel of ['../package.json', '../../package.json']) {
    const file = path.join(__dirname, rel);
    if (fs.existsSync(file)) return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
  }
  return 'unknown';
}

export function buildProgram(): Command {
  const program = new Command('tiered-cdn')
    .description('Operate a tiered CloudFront CDN defined with the TieredCdn construct.')
    .version(packageVersion(), '-V, --version', 'print the tiered-cdn version')
    .showHelpAfterError("run 'tiered-cdn --help' for the commands")
    .configureHelp({ optionDescription })
    .exitOverride();
  for (const register of COMMANDS) register(program);
  // A usage error prints one line and where the options are listed, not the whole help: the
  // options of the command that was run (`tiered-cdn experiment set --help`), at any depth.
  const pointAtOwnHelp = (command: Command): void => {
    for (const sub of command.commands) {
      sub.showHelpAfterError(`run '${commandPath(sub)} --help' for its options`);
      pointAtOwnHelp(sub);
    }
  };
  pointAtOwnHelp(program);
  return program;
}

/** `tiered-cdn experiment set`: the words that run a command. */
function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/**
 * `tiered-cdn invalidte --help`: commander would print the top-level help and exit 0, since the
 * help option is read before the command name; the misspelt command is reported instead, as
 * without `--help` (unknown command, the nearest name, exit 2).
 */
function withoutHelpForUnknownCommand(program: Command, argv: readonly string[]): string[] {
  let args = argv.slice(2);
  const operands = args.filter((a) => !a.startsWith('-'));
  // `tiered-cdn help invalidte` likewise.
  const named = operands[0] === 'help' ? operands[1] : operands[0];
  if (named === undefined) return [...argv];
  const known = program.commands.some((c) => c.name() === named || c.aliases().includes(named));
  if (known) return [...argv];
  if (operands[0] === 'help') args = args.filter((a) => a !== 'help');
  return [...argv.slice(0, 2), ...args.filter((a) => a !== '--help' && a !== '-h')];
}

/**
 * Help text of an option; an empty list or map as default (repeatable options start from one) says
 * nothing a user can type, so it is left out instead of shown as `(default: [])`.
 */
function optionDescription(this: Help, option: Option): string {
  const d: unknown = option.defaultValue;
  const empty = (Array.isArray(d) && d.length === 0) || (d !== null && typeof d === 'object' && !Array.isArray(d) && Object.keys(d).length === 0);
  if (!empty || option.defaultValueDescription) return Help.prototype.optionDescription.call(this, option);
  option.defaultValue = undefined;
  try {
    return Help.prototype.optionDescription.call(this, option);
  } finally {
    option.defaultValue = d;
  }
}

/** Commander's codes for a command line that is wrong (exit 2), as opposed to help or version (exit 0). */
const USAGE_ERRORS = new Set([
  'commander.unknownOption',
  'commander.unknownCommand',
  'commander.missingArgument',
  'commander.optionMissingArgument',
  'commander.missingMandatoryOptionValue',
  'commander.invalidArgument',
  'commander.excessArguments',
  'commander.conflictingOption',
]);

/**
 * Output into a closed pipe (`tiered-cdn local --help | head -1`) ends the command quietly, as
 * `cat` does, instead of an unhandled EPIPE error with its stack.
 */
function endQuietlyOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') throw err;
      process.exit(process.exitCode ?? 0);
    });
  }
}

export async function main(argv: string[]): Promise<void> {
  endQuietlyOnClosedPipe();
  const program = buildProgram();
  let running: Command = program;
  program.hook('preAction', (_program, action) => {
    running = action;
  });
  try {
    await program.parseAsync(withoutHelpForUnknownCommand(program, argv));
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = USAGE_ERRORS.has(err.code) ? 2 : err.exitCode;
      return;
    }
    if (err instanceof CliError && err.exitCode === 2) {
      // A wrong option or value found by the command itself reads as commander's own usage errors.
      process.stderr.write(`error: ${err.message}\n${err.hint ? `hint: ${err.hint}\n` : ''}run '${commandPath(running)} --help' for its options\n`);
      process.exitCode = 2;
      return;
    }
    if (err instanceof CliError) {
      process.stderr.write(`tiered-cdn: ${err.message}\n${err.hint ? `hint: ${err.hint}\n` : ''}`);
      process.exitCode = err.exitCode;
      return;
    }
    throw err;
  }
}
