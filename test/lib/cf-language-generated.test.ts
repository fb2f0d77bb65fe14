import * as crypto from 'crypto';
import { App, Stack } from 'aws-cdk-lib';
import { scaleRouteTable } from '../../bench/route-tables';
import { TieredCdn } from '../../lib';
import { checkCloudFrontFunctionLanguage } from '../../lib/edge/cf-language';
import { testOutdir } from '../helpers/stacks';

/** The parser check of lib/edge/cf-language on every function the benchmark route tables generate. */

const { publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...(publicKey.export({ format: 'jwk' }) as Record<string, unknown>), kty: 'RSA', kid: 'k1', alg: 'RS256' } as never;

function functionsOf(behaviors: number, experimentsOnGuardedOrigin: boolean): Array<{ id: string; code: string; runtime: string }> {
  const app = new App({ outdir: testOutdir() });
  const stack = new Stack(app, `Scale${behaviors}${experimentsOnGuardedOrigin ? 'Guarded' : ''}`, { env: { region: 'us-east-1' } });
  new TieredCdn(stack, 'Cdn', scaleRouteTable(behaviors, { keys: [jwk] }, { experimentsOnGuardedOrigin }));
  const resources = app.synth().getStackByName(stack.stackName).template.Resources as Record<string, { Type: string; Properties: { FunctionCode: string; FunctionConfig: { Runtime: string } } }>;
  return Object.entries(resources)
    .filter(([, r]) => r.Type === 'AWS::CloudFront::Function')
    .map(([id, r]) => ({ id, code: r.Properties.FunctionCode, runtime: r.Properties.FunctionConfig.Runtime }));
}

test.each([
  [10, false],
  [25, false],
  [75, false],
  [75, true],
])('every CloudFront Function of the %i-behavior route table (experiments on the guarded origin: %s) is in the runtime language', (behaviors, guarded) => {
  const functions = functionsOf(behaviors, guarded);
  expect(functions.length).toBeGreaterThan(0);
  for (const f of functions) expect({ id: f.id, findings: checkCloudFrontFunctionLanguage(f.code, f.runtime) }).toEqual({ id: f.id, findings: [] });
});
