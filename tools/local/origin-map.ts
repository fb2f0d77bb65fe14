import type { DistributionModel } from './model';
import { LocalEdgeError } from './types';

/** Which local URL each origin key answers on, checked against what the distribution knows. */
export function resolveOriginMap(
  model: DistributionModel,
  overrides: Readonly<Record<string, string>>,
  extraKeys: Set<string>,
  notice: (message: string) => void = () => undefined,
): Map<string, URL> {
  const routes = functionsMayRoute(model);
  const valid = new Map<string, string>();
  for (const o of Object.values(model.origins)) {
    valid.set(o.id, o.id);
    valid.set(o.domainName, o.id);
  }
  const out = new Map<string, URL>();
  const problems: string[] = [];
  for (const [key, value] of Object.entries(overrides)) {
    let url: URL;
    try {
      url = new URL(value);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('protocol');
    } catch {
      problems.push(`--origin ${key}=${value}: '${value}' is not an http:// or https:// URL (e.g. http://127.0.0.1:9000)`);
      continue;
    }
    if (!valid.has(key) && !extraKeys.has(key) && routes && key.includes('.')) {
      notice(`--origin ${key}: not an origin of the distribution; used when a function routes a request to it`);
    } else if (!valid.has(key) && !extraKeys.has(key)) {
      const keys = [...new Set([...valid.keys(), ...extraKeys])].join(', ');
      problems.push(`--origin ${key}=${value}: unknown origin key '${key}'; valid keys are the origin ids and domain names of the distribution: ${keys}`);
      continue;
    }
    out.set(key, url);
    const id = valid.get(key);
    if (id) {
      out.set(id, url);
      out.set(model.origins[id].domainName, url);
    }
  }
  if (problems.length) throw new LocalEdgeError(problems.join('\n'));
  return out;
}

/** Whether a function of the distribution can send requests to a domain that is not one of its origins. */
function functionsMayRoute(model: DistributionModel): boolean {
  return model.behaviors.some(
    (b) => !!b.edgeFunctions['origin-request'] || Object.values(b.functions ?? {}).some((f) => !!f && /updateRequestOrigin/.test(f.code)),
  );
}

/**
 * Domain names the distribution's edge functions may route requests to, as the construct planned
 * them (template Metadata `TieredCdn::Plan`); none for a distribution without a plan, whose
 * functions' targets are taken on trust (see `functionsMayRoute`).
 */
export function routedDomains(model: DistributionModel): Set<string> {
  return new Set(model.plan?.routedDomains ?? []);
}

/**
 * Says which origins, and which domains edge functions route requests to (geo or device routing),
 * will answer 502 or 403 for want of a mapping.
 */
export function warnUnmappedOrigins(model: DistributionModel, originMap: Map<string, URL>, warn: (message: string) => void): void {
  const originDomains = new Set(Object.values(model.origins).map((o) => o.domainName));
  for (const domain of [...routedDomains(model)].sort()) {
    if (originMap.has(domain) || originDomains.has(domain)) continue;
    const routes = model.plan?.behaviors.filter((b) => JSON.stringify(b.edge ?? {}).includes(JSON.stringify(domain))).map((b) => b.pathPattern) ?? [];
    warn(
      `routing target ${domain}${routes.length > 0 ? ` (where ${routes.join(', ')} route${routes.length === 1 ? 's' : ''} some viewers)` : ''} has no --origin mapping: requests routed to it answer 502; pass --origin ${domain}=http://127.0.0.1:PORT`,
    );
  }
  for (const o of Object.values(model.origins)) {
    if (o.kind === 'custom' && !originMap.has(o.id)) {
      warn(`origin '${o.id}' (${o.domainName}) has no --origin mapping: requests to it answer 502; pass --origin ${o.domainName}=http://127.0.0.1:PORT`);
    }
    if (o.kind === 's3' && !originMap.has(o.id) && o.s3Content.every((c) => c.folders.length === 0)) {
      warn(`S3 origin '${o.id}' has no BucketDeployment content in the assembly: every object answers 403; pass --origin ${o.id}=URL to serve it from elsewhere`);
    }
  }
}
