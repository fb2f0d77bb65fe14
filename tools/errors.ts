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
