import * as fs from 'fs';
import * as path from 'path';
import { Command, CommanderError } from 'commander';
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
      process.stderr.write(`tiered-cdn: ${err.message}\n${err.hint ? `hint: ${err.hint}\n` : ''}`);
      process.exitCode = err.exitCode;
      return;
    }
    throw err;
  }
}
