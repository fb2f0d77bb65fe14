import { type CfLanguageFinding, formatCfLanguageFinding } from '../../lib/edge/cf-language';
import { FunctionSandbox, type Invocation, type OriginChange } from './cf-function';
import {
  type FnEventContext,
  functionEvent,
  isResponseResult,
  requestFromFunction,
  requestToFunction,
  responseFromFunction,
  responseToFunction,
} from './cf-function-event';
import { type EdgeRequest, type EdgeResponse, setHeader } from './http-types';
import { LocalKeyValueStore } from './kvs';
import type { BehaviorModel, CloudFrontFunctionModel, DistributionModel, OriginModel } from './model';

/**
 * The CloudFront Functions of one distribution, loaded once (as CloudFront keeps them compiled at
 * every edge location) and run for the viewer events of each behavior.
 */

export interface FunctionRunnerOptions {
  readonly budgetMs?: number;
  readonly hardLimitMs?: number;
  /** Receives each function's console output and over-budget notices. */
  readonly onLog?: (line: string) => void;
}

export interface FunctionStats {
  invocations: number;
  /** Invocations whose compute time passed the budget (compute utilization above 100). */
  overBudget: number;
  /** Highest compute utilization seen, first invocation of each function left out (it includes compilation). */
  maxUtilization: number;
  failures: Record<string, number>;
}

/** A function whose code is outside the runtime's language, as the local edge reports it at startup. */
export interface FunctionLanguageReport {
  /** Logical id of the function resource. */
  readonly function: string;
  /** Its construct path (`aws:cdk:path`), when the template has it. */
  readonly path?: string;
  readonly runtime: string;
  readonly eventType: string;
  /** Path patterns of the behaviors that run the function. */
  readonly behaviors: readonly string[];
  /** True when the runtime does not compile the code: every request of the behaviors that run it fails (503). */
  readonly failsEveryRequest: boolean;
  readonly findings: readonly CfLanguageFinding[];
}

/** The report as lines for the terminal: what fails, where, and each construct with its line. */
export function formatLanguageReport(r: FunctionLanguageReport): string {
  const where = `CloudFront Function ${r.function}${r.path ? ` (${r.path})` : ''}, ${r.eventType} of ${r.behaviors.join(', ')}`;
  const effect = r.failsEveryRequest
    ? `uses JavaScript ${r.runtime} does not run: CloudFront answers every request of these behaviors with 503 (FunctionExecutionError)`
    : `uses built-ins ${r.runtime} does not have: a request that reaches them fails with 503 (FunctionExecutionError)`;
  return [`${where} ${effect}:`, ...r.findings.map((f) => `  ${formatCfLanguageFinding(f)}`)].join('\n');
}

export type ViewerRequestOutcome =
  | { kind: 'request'; request: EdgeRequest; originChange?: OriginChange }
  | { kind: 'response'; response: EdgeResponse };

/** CloudFront's viewer headers that reach a function only when a cache or origin request policy names them. */
export function policyNamedHeaders(behavior: BehaviorModel): Set<string> {
  const named = new Set<string>();
  const cp = behavior.cachePolicy.headers;
  if (cp.behavior === 'whitelist') for (const h of cp.items) named.add(h);
  const orp = behavior.originRequestPolicy?.headers;
  if (orp && (orp.behavior === 'whitelist' || orp.behavior === 'allViewerAndWhitelistCloudFront')) for (const h of orp.items) named.add(h);
  return named;
}

export class FunctionRunner {
  private readonly sandboxes = new Map<CloudFrontFunctionModel, FunctionSandbox>();
  private readonly warmed = new Set<FunctionSandbox>();
  /** Path patterns of the behaviors that run each function (by logical id). */
  private readonly behaviorsOf = new Map<string, string[]>();
  readonly stores: Map<string, LocalKeyValueStore>;
  readonly stats: Record<string, FunctionStats> = {};

  /** Throws a FunctionCodeError for code CloudFront would refuse to publish. */
  constructor(
    model: DistributionModel,
    private readonly options: FunctionRunnerOptions = {},
    stores?: Map<string, LocalKeyValueStore>,
  ) {
    this.stores = stores ?? new Map(Object.values(model.keyValueStores ?? {}).map((s) => [s.logicalId, new LocalKeyValueStore(s)]));
    const originIds = new Set([...Object.keys(model.origins), ...Object.keys(model.originGroups ?? {})]);
    for (const b of model.behaviors) {
      for (const fn of Object.values(b.functions ?? {})) {
        if (!fn) continue;
        const runs = this.behaviorsOf.get(fn.name) ?? [];
        if (!runs.includes(b.pathPattern)) this.behaviorsOf.set(fn.name, [...runs, b.pathPattern]);
        if (this.sandboxes.has(fn)) continue;
        this.sandboxes.set(fn, new FunctionSandbox(fn, { stores: this.stores, originIds, budgetMs: options.budgetMs, hardLimitMs: options.hardLimitMs }));
      }
    }
  }

  get functionCount(): number {
    return this.sandboxes.size;
  }

  /** Every function with code outside the runtime's language, once per function resource. */
  languageReports(): FunctionLanguageReport[] {
    const seen = new Map<string, FunctionLanguageReport>();
    for (const [fn, sandbox] of this.sandboxes) {
      const findings = sandbox.languageFindings;
      if (findings.length === 0 || seen.has(fn.name)) continue;
      const failsEveryRequest = findings.some((f) => f.kind === 'syntax');
      const behaviors = this.behaviorsOf.get(fn.name) ?? [];
      seen.set(fn.name, { function: fn.name, ...(fn.path ? { path: fn.path } : {}), runtime: fn.runtime, eventType: fn.eventType, behaviors, failsEveryRequest, findings });
    }
    return [...seen.values()];
  }

  private invoke(fn: CloudFrontFunctionModel, event: ReturnType<typeof functionEvent>): Invocation {
    const sandbox = this.sandboxes.get(fn)!;
    const s = (this.stats[fn.name] ??= { invocations: 0, overBudget: 0, maxUtilization: 0, failures: {} });
    s.invocations++;
    const log = this.options.onLog ?? (() => undefined);
    let inv: Invocation;
    try {
      inv = sandbox.invoke(event);
    } catch (e) {
      const kind = (e as { kind?: string }).kind ?? 'Error';
      s.failures[kind] = (s.failures[kind] ?? 0) + 1;
      throw e;
    }
    for (const line of inv.logs) log(`${fn.name}: ${line}`);
    if (this.warmed.has(sandbox)) {
      s.maxUtilization = Math.max(s.maxUtilization, inv.utilization);
      if (inv.utilization > 100) {
        s.overBudget++;
        log(`${fn.name} (${fn.eventType}): compute utilization ${inv.utilization} (${inv.computeMs.toFixed(2)} ms locally) is over the budget of 100`);
      }
    }
    this.warmed.add(sandbox);
    return inv;
  }

  /**
   * The viewer-request function of a behavior, if it has one. `viewerHeaders` are the CloudFront-*
   * headers of this viewer; the function sees those a policy of the behavior names.
   */
  viewerRequest(behavior: BehaviorModel, req: EdgeRequest, ctx: FnEventContext, viewerHeaders: Readonly<Record<string, string>>): ViewerRequestOutcome | undefined {
    const fn = behavior.functions?.['viewer-request'];
    if (!fn) return undefined;
    const named = policyNamedHeaders(behavior);
    const seen: EdgeRequest = { ...req, headers: { ...req.headers } };
    for (const [k, v] of Object.entries(viewerHeaders)) if (named.has(k.toLowerCase())) setHeader(seen.headers, k, v);
    const inv = this.invoke(fn, functionEvent('viewer-request', ctx, req.clientIp, requestToFunction(seen)));
    if (isResponseResult(inv.result)) return { kind: 'response', response: responseFromFunction(fn, inv.result) };
    return { kind: 'request', request: requestFromFunction(fn, inv.result, seen), originChange: inv.originChange };
  }

  /** The viewer-response function of a behavior on a response below 400; the response unchanged without one. */
  viewerResponse(behavior: BehaviorModel, req: EdgeRequest, res: EdgeResponse, ctx: FnEventContext): EdgeResponse {
    const fn = behavior.functions?.['viewer-response'];
    if (!fn) return res;
    const inv = this.invoke(fn, functionEvent('viewer-response', ctx, req.clientIp, requestToFunction(req), responseToFunction(res)));
    return responseFromFunction(fn, inv.result, res);
  }
}

/**
 * The origins a request goes to after a function's origin change: one origin, or a failover group.
 * `updateRequestOrigin` changes the behavior's own (primary) origin; the domain it names is reached
 * through the same `--origin` mapping as any origin.
 */
export function originsAfterChange(
  model: DistributionModel,
  targetOriginId: string,
  change: OriginChange | undefined,
): { members: OriginModel[]; failoverStatusCodes: readonly number[] } {
  const group = model.originGroups?.[targetOriginId];
  const base = group ? group.members.map((id) => model.origins[id]) : [model.origins[targetOriginId]];
  const codes = group?.failoverStatusCodes ?? [];
  if (!change) return { members: base, failoverStatusCodes: codes };
  if (change.kind === 'select') {
    const g = model.originGroups?.[change.originId];
    if (g) return { members: g.members.map((id) => model.origins[id]), failoverStatusCodes: g.failoverStatusCodes };
    return { members: [model.origins[change.originId]], failoverStatusCodes: [] };
  }
  if (change.kind === 'group') return { members: change.originIds.map((id) => model.origins[id]), failoverStatusCodes: change.failoverStatusCodes };
  const p = change.params;
  const updated: OriginModel = {
    ...base[0],
    domainName: p.domainName ?? base[0].domainName,
    originPath: p.originPath ?? base[0].originPath,
    customHeaders: { ...base[0].customHeaders, ...lowerKeys(p.customHeaders ?? {}) },
    readTimeoutSeconds: p.timeouts?.readTimeout ?? base[0].readTimeoutSeconds,
    // A domain that is not the bucket's own is a custom origin to CloudFront.
    kind: p.domainName && p.domainName !== base[0].domainName ? 'custom' : base[0].kind,
  };
  return { members: [updated, ...base.slice(1)], failoverStatusCodes: codes };
}

function lowerKeys(h: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), String(v)]));
}
