import { readDistribution } from '../../tools/local/assembly';
import { LocalEdgeError, startLocalEdge } from '../../tools/local';
import { referenceAssembly } from './reference-assembly';

/** The local edge reads the construct's plan from the template for names only; without one it still runs. */

test('the plan in the template gives the routed domains: an --origin for the geo-routed api-eu.example.com is accepted', async () => {
  const model = readDistribution(referenceAssembly().dir);
  expect(model.plan?.routedDomains).toEqual(['api-eu.example.com']);
  expect(model.plan?.behaviors.map((b) => [b.pathPattern, b.tier])).toEqual(model.behaviors.map((b) => [b.pathPattern, expect.any(String)]));
  const edge = await startLocalEdge({ distribution: model, port: 0, origins: { 'api-eu.example.com': 'http://127.0.0.1:9' }, onWarning: () => {} });
  await edge.close();
});

test('without a plan (a plain distribution) the same distribution runs; a domain only the plan names is taken on trust, with a notice', async () => {
  const model = { ...readDistribution(referenceAssembly().dir), plan: undefined };
  const notices: string[] = [];
  const edge = await startLocalEdge({ distribution: model, port: 0, origins: { 'api-eu.example.com': 'http://127.0.0.1:9' }, onWarning: (m) => notices.push(m) });
  expect(edge.distribution.behaviors.length).toBe(model.behaviors.length);
  await edge.close();
  expect(notices).toContain('--origin api-eu.example.com: not an origin of the distribution; used when a function routes a request to it');
  const planned: string[] = [];
  const withPlan = await startLocalEdge({ distribution: readDistribution(referenceAssembly().dir), port: 0, origins: { 'api-eu.example.com': 'http://127.0.0.1:9' }, onWarning: (m) => planned.push(m) });
  await withPlan.close();
  expect(planned.filter((m) => m.includes('api-eu.example.com'))).toEqual([]);
});

test('an unknown key that is no domain is refused either way', async () => {
  const model = { ...readDistribution(referenceAssembly().dir), plan: undefined };
  const refused = startLocalEdge({ distribution: model, port: 0, origins: { nope: 'http://127.0.0.1:9' }, onWarning: () => {} });
  await expect(refused).rejects.toBeInstanceOf(LocalEdgeError);
  await expect(refused).rejects.toThrow("unknown origin key 'nope'");
});
