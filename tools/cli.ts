import { Command, CommanderError } from 'commander';
import { COMMANDS } from './commands';

/** Thrown by a command for a failure the user can act on: printed without a stack, exit code 1. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
    this.name = 'CliError';
  }
}

export function buildProgram(): Command {
  const program = new Command('tiered-cdn')
    .description('Operate a tiered CloudFront CDN defined with the TieredCdn construct.')
    .showHelpAfterError()
    .exitOverride();
  for (const register of COMMANDS) register(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode;
      return;
    }
    if (err instanceof CliError) {
      process.stderr.write(`tiered-cdn: ${err.message}\n`);
      process.exitCode = err.exitCode;
      return;
    }
    throw err;
  }
}
