import type { CfLanguageFinding } from '../../lib/edge/cf-language';
import { loadTemplates } from '../diff/synth';

/** The language check parses JavaScript (acorn): loaded when there is a function to check, not when the CLI starts. */
const language = () => require('../../lib/edge/cf-language') as typeof import('../../lib/edge/cf-language');

/**
 * The CloudFront Functions of a synthesized app checked against the runtime's language
 * (lib/edge/cf-language): the same findings the local edge reports at startup and synth warns about.
 */

export interface FunctionLanguageRow {
  readonly stack: string;
  /** Logical id of the `AWS::CloudFront::Function`. */
  readonly function: string;
  /** Its construct path (`aws:cdk:path`), when the template has it. */
  readonly path?: string;
  readonly runtime: string;
  readonly findings: readonly CfLanguageFinding[];
}

/** Every CloudFront Function of every stack of the assembly whose code is outside the language. */
export function functionLanguageFromAssembly(dir: string): FunctionLanguageRow[] {
  const rows: FunctionLanguageRow[] = [];
  for (const [stack, template] of Object.entries(loadTemplates(dir))) {
    for (const [id, res] of Object.entries<any>((template as { Resources?: Record<string, any> }).Resources ?? {})) {
      if (res?.Type !== 'AWS::CloudFront::Function') continue;
      const code = res.Properties?.FunctionCode;
      // Code assembled from tokens at deploy time (Fn::Join, Fn::Sub) cannot be read here.
      if (typeof code !== 'string') continue;
      const runtime = String(res.Properties?.FunctionConfig?.Runtime ?? 'cloudfront-js-1.0');
      const findings = language().checkCloudFrontFunctionLanguage(code, runtime);
      if (findings.length === 0) continue;
      const cdkPath = res.Metadata?.['aws:cdk:path'];
      rows.push({ stack, function: id, ...(typeof cdkPath === 'string' ? { path: cdkPath } : {}), runtime, findings });
    }
  }
  return rows;
}

/** Lines for the plain-text report. */
export function formatFunctionLanguage(rows: readonly FunctionLanguageRow[]): string[] {
  if (rows.length === 0) return [];
  const out = ['CloudFront Functions outside the runtime language (CloudFront publishes them, then answers 503 FunctionExecutionError):'];
  for (const r of rows) {
    out.push(`  ${r.stack}/${r.function}${r.path ? ` (${r.path})` : ''}, ${r.runtime}:`);
    for (const f of r.findings) out.push(`    error: ${language().formatCfLanguageFinding(f)}`);
  }
  return out;
}
