/**
 * The one error base of the tools: a failure the user can act on. `tools/cli.ts` catches it once,
 * prints the message (and the hint, when there is one) without a stack and exits with `exitCode`.
 * Every tool's own error (bad input, refused invalidation, unreadable assembly...) extends it, so
 * commands need no mapping of their own.
 */
export class CliError extends Error {
  /** Exit status of the CLI: 1 for a failure, 2 for a usage error. */
  readonly exitCode: number;
  /** What to do about it, printed on its own line; absent when the message already says. */
  readonly hint?: string;

  constructor(message: string, options: { exitCode?: number; hint?: string } = {}) {
    super(message);
    this.name = 'CliError';
    this.exitCode = options.exitCode ?? 1;
    this.hint = options.hint;
  }
}

/**
 * A wrong option or value (exit 2): the command line asks for something the command refuses, as
 * opposed to a failure while doing what was asked (exit 1). Printed as commander prints its own
 * usage errors: one line and where the command's options are listed.
 */
export class UsageError extends CliError {
  constructor(message: string, options: { hint?: string } = {}) {
    super(message, { ...options, exitCode: 2 });
    this.name = 'UsageError';
  }
}
