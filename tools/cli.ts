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
  // A usage error prints one line and where the options are listed, not the whole help.
  for (const command of program.commands) command.showHelpAfterError(`run 'tiered-cdn ${command.name()} --help' for its options`);
  return program;
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
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = USAGE_ERRORS.has(err.code) ? 2 : err.exitCode;
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
