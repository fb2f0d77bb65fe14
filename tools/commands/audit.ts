import { Command, InvalidArgumentError, Option } from 'commander';
import type { Tier } from '../../lib/routes';
import { TIERS } from '../../lib/routes';
import { functionLanguageFromAssembly } from '../audit/functions';
import { AuditRoute, auditBase, auditTargets, cacheTagHeaderFromAssembly, formatReport, loadRoutes, routesFromAssembly, runAudit } from '../audit/run';

interface AuditOptions {
  base: string;
  routes?: string;
  app?: string;
  paths?: string[];
  tier?: Tier;
  token: string[];
  header: Record<string, string>;
  timeout: number;
  strict?: boolean;
  json?: boolean;
  cacheTagHeader?: string;
}

export function register(program: Command): void {
  program
    .command('audit')
    .description("Request each route's paths (with and without a token) and grade the origin's caching headers against the route's tier.")
    .requiredOption('--base <url>', 'where to send the requests: the distribution, a local edge, or the origin itself', baseUrl)
    .option('--routes <file>', 'route list JSON: [{ "pathPattern": "/assets/*", "tier": "static", "paths": ["/assets/app.3f9c2a1b.js"] }]')
    .option('--app <dir>', "take the routes' path patterns and tiers from a synthesized distribution (cdk.out) instead of --routes")
    .option('--paths <paths...>', 'request these paths (their tier comes from the matching route, or from --tier)')
    .addOption(new Option('--tier <tier>', 'tier for every --paths entry').choices(TIERS as string[]))
    .option(
      '--token <jwt>',
      'also request every path as this viewer (Authorization: Bearer <jwt>), repeatable; publicly cacheable responses that differ between served viewers are flagged, so give two tokens with different subjects to check an authenticated route (default: $TIERED_CDN_AUDIT_TOKEN)',
      collectToken,
      [],
    )
    .option('--header <name:value>', 'extra request header, repeatable', collectHeader, {})
    .option('--timeout <seconds>', 'per-request timeout', positive, 10)
    .option('--cache-tag-header <name>', "the distribution's cache tag header, to flag cacheable api/html responses without tags (default with --app: its CacheTagConfig)")
    .option('--strict', 'exit non-zero on warnings too')
    .option('--json', 'print the report as JSON on stdout')
    .addHelpText(
      'after',
      `
Rules: no Cache-Control; public caching with Set-Cookie (cookies the distribution's own edge
functions set are known with --app and not graded) or of a response that differs per user
(compared between viewers that were served: 401 without a token against 200 with one is auth);
no-store on static assets; a content-hashed asset without immutable; an api response with neither
s-maxage nor private; Vary: * or Vary on Cookie/User-Agent/Authorization; max-age above s-maxage;
a cacheable api/html response without cache tags (graded where the tag header is visible: against
the origin, as CloudFront removes it from viewer responses); a CDN-Cache-Control or
Surrogate-Control TTL shorter than the browser's max-age. With --app, every CloudFront Function of
the app is also checked against the runtime's language (each construct outside it is an error).
Exit status: 0 clean, 1 errors (or warnings with --strict).

Examples, against the local demo (npm start):
  $ tiered-cdn audit --base http://127.0.0.1:8080 --app cdk.out
  $ tiered-cdn audit --base http://127.0.0.1:8080 --app cdk.out --paths /index.html /about.html /api/products
  $ ALICE=$(tiered-cdn token --sub alice) BOB=$(tiered-cdn token --sub bob)
  $ tiered-cdn audit --base http://127.0.0.1:8080 --app cdk.out --paths /api/config/flags --token "$ALICE" --token "$BOB" --json
Against a deployed distribution, with a route list of your own:
  $ tiered-cdn audit --base https://d111111abcdef8.cloudfront.net --routes audit-routes.json`,
    )
    .action(async (opts: AuditOptions) => {
      const routes: AuditRoute[] = [...(opts.routes ? loadRoutes(opts.routes) : []), ...(opts.app ? routesFromAssembly(opts.app) : [])];
      const targets = auditTargets(routes, opts.paths, opts.tier);
      const report = await runAudit({
        base: opts.base,
        targets,
        tokens: opts.token.length > 0 ? opts.token : process.env.TIERED_CDN_AUDIT_TOKEN ? [process.env.TIERED_CDN_AUDIT_TOKEN] : [],
        headers: opts.header,
        timeoutMs: opts.timeout * 1000,
        cacheTagHeader: opts.cacheTagHeader ?? (opts.app ? cacheTagHeaderFromAssembly(opts.app) : undefined),
        functions: opts.app ? functionLanguageFromAssembly(opts.app) : [],
      });
      process.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
      process.exitCode = report.errors > 0 || (opts.strict && report.warnings > 0) ? 1 : 0;
    });
}

function collectToken(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function collectHeader(value: string, previous: Record<string, string>): Record<string, string> {
  const i = value.indexOf(':');
  if (i <= 0) throw new InvalidArgumentError(`expected 'Name: value', got '${value}'`);
  return { ...previous, [value.slice(0, i).trim().toLowerCase()]: value.slice(i + 1).trim() };
}

function positive(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`expected a number of seconds > 0, got '${value}'`);
  return n;
}

/** `--base` checked as commander checks values: a `javascript:` or `file:` base is a usage error (exit 2). */
function baseUrl(value: string): string {
  try {
    auditBase(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
  return value;
}
