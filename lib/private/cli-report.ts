import { inspect } from 'util';
import { TieredCdnValidationError } from '../validation';

/**
 * The CDK CLI runs the app as a child process (`cdk synth` sets CDK_OUTDIR for it) and shows its
 * stderr. An uncaught TieredCdnValidationError there is a message for the user, listing every
 * problem with the fix; node would print it under the source line that threw it and a stack of
 * the construct's own frames. Under the CLI, and only for an error nobody caught, the app prints
 * the message alone and exits 1. Any other uncaught error is printed as node prints it, and the
 * app still exits 1. An app that catches the error (or any run outside the CLI, such as a test)
 * sees no difference.
 */
let installed = false;

export function reportUncaughtUnderCdkCli(): void {
  if (installed || !process.env.CDK_OUTDIR) return;
  installed = true;
  process.on('uncaughtException', (err: unknown) => {
    process.stderr.write(err instanceof TieredCdnValidationError ? `${err.message}\n` : `Uncaught ${inspect(err)}\n`);
    process.exit(1);
  });
}
