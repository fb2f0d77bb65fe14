import { Annotations, Aspects, type IAspect, Token } from 'aws-cdk-lib/core';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import type { Construct, IConstruct } from 'constructs';
import { checkCloudFrontFunctionLanguage, formatCfLanguageFinding } from '../edge/cf-language';

/** The id of the synth message, to acknowledge a warning: `Annotations.of(scope).acknowledgeWarning(id)`. */
export const CF_FUNCTION_LANGUAGE_ID = 'tiered-cdn:cf-function-language';

/**
 * Checks every CloudFront Function of the app against the runtime's language at synth
 * (lib/edge/cf-language). CloudFront publishes code outside it and then fails every request that
 * runs it (503), so a function the construct generated is an error (its build must never produce
 * one), and any other function of the app a warning on that function.
 */
class FunctionLanguageCheck implements IAspect {
  /** Paths of the TieredCdn constructs whose own functions are errors. */
  readonly owners = new Set<string>();

  visit(node: IConstruct): void {
    if (!(node instanceof cloudfront.CfnFunction)) return;
    const code = node.functionCode;
    // Code assembled from tokens is known only at deploy time.
    if (Token.isUnresolved(code)) return;
    const config = node.functionConfig as cloudfront.CfnFunction.FunctionConfigProperty | undefined;
    const runtime = config && !Token.isUnresolved(config) && typeof config.runtime === 'string' && !Token.isUnresolved(config.runtime) ? config.runtime : 'cloudfront-js-1.0';
    const findings = checkCloudFrontFunctionLanguage(code, runtime);
    if (findings.length === 0) return;
    const path = node.node.path;
    const own = [...this.owners].some((o) => path.startsWith(`${o}/`));
    const lines = findings.slice(0, 10).map((f) => `  ${formatCfLanguageFinding(f)}`);
    if (findings.length > 10) lines.push(`  ... and ${findings.length - 10} more`);
    const message = [
      `CloudFront Function ${path} uses JavaScript ${runtime} does not run: CloudFront publishes it, then answers the requests that run it with 503 (FunctionExecutionError):`,
      ...lines,
      own
        ? 'tiered-cdn generated this function; its build should have refused these constructs. Please report it.'
        : 'Write the function in ES 5.1 plus what the Developer Guide\'s "JavaScript runtime 2.0 features" page lists (see docs/local-edge.md), or run it with `tiered-cdn local` to see it fail.',
    ].join('\n');
    if (own) Annotations.of(node).addError(`[${CF_FUNCTION_LANGUAGE_ID}] ${message}`);
    else Annotations.of(node).addWarningV2(CF_FUNCTION_LANGUAGE_ID, message);
  }
}

const checks = new WeakMap<IConstruct, FunctionLanguageCheck>();

/** Registers `owner` (a TieredCdn) with the one language check of its app. */
export function checkFunctionLanguage(owner: Construct): void {
  const root = owner.node.root;
  let check = checks.get(root);
  if (!check) {
    check = new FunctionLanguageCheck();
    checks.set(root, check);
    Aspects.of(root).add(check);
  }
  check.owners.add(owner.node.path);
}
