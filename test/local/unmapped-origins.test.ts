import { startLocalEdge } from '../../tools/local/server';
import { referenceAssembly } from './reference-assembly';

/*
 * The README's `--origin` line maps the reference app's API; its geo routing target (EU viewers go
 * to api-eu.example.com) would answer 502 with no mapping: the local edge says so at startup, for
 * every origin and routing target it cannot reach.
 */

async function warningsFor(origins: Record<string, string>): Promise<string[]> {
  const warnings: string[] = [];
  const edge = await startLocalEdge({ app: referenceAssembly().dir, port: 0, origins, onWarning: (m) => warnings.push(m) });
  await edge.close();
  return warnings;
}

test('with only the API mapped, the geo routing target is named at startup, with the --origin that fixes it', async () => {
  const warnings = await warningsFor({ 'api.example.com': 'http://127.0.0.1:9000' });
  expect(warnings).toEqual([
    'routing target api-eu.example.com (where /api/* routes some viewers) has no --origin mapping: requests routed to it answer 502; pass --origin api-eu.example.com=http://127.0.0.1:PORT',
  ]);
});

test('with nothing mapped, every unreachable origin and routing target is named; with everything mapped, nothing', async () => {
  const none = await warningsFor({});
  expect(none.map((w) => /^(routing target \S+|origin '\w+')/.exec(w)?.[1])).toEqual(['routing target api-eu.example.com', "origin 'api'"]);
  expect(await warningsFor({ 'api.example.com': 'http://127.0.0.1:9000', 'api-eu.example.com': 'http://127.0.0.1:9001' })).toEqual([]);
});
