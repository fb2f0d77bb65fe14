import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildSync } from 'esbuild';
import * as fc from 'fast-check';
import { describeExperimentValue, describeOriginValue, experimentValueProblem, KVS_MAX_WEIGHT, type KvsValuePlan, originValueProblem } from '../../lambda-edge/shared/kvs-values';

/*
 * The rules a KeyValueStore value must pass (routing targets and experiments), against a plan like
 * the reference app's: attacks as inputs, a property over any JSON value, and the module run by an
 * engine of the CloudFront Functions profile (njs), which must give the same answers.
 */

const plan: KvsValuePlan = {
  origins: { apiEu: ['api-eu.example.com', 'api.example.com'] },
  experiments: { home: ['control', 'redesign'] },
};

describe('routing targets: origin:<id> = {"domainName": ...}', () => {
  test('a declared domain is accepted, and said what it does', () => {
    expect(originValueProblem('apiEu', { domainName: 'api.example.com' }, plan)).toBeUndefined();
    expect(originValueProblem('apiEu', { domainName: 'api-eu.example.com' }, plan)).toBeUndefined();
    expect(describeOriginValue('apiEu', { domainName: 'api.example.com' })).toMatch(/^requests the routing rules send to origin 'apiEu' go to api\.example\.com/);
  });

  test.each([
    ['an undeclared domain', { domainName: 'attacker.example.net' }, /'attacker\.example\.net' is not a domain the app declares for an origin; origin 'apiEu' may be sent to: api-eu\.example\.com, api\.example\.com/],
    ['a private address', { domainName: '10.0.0.1' }, /must be a DNS name \(no IP address/],
    ['the metadata address', { domainName: '169.254.169.254' }, /must be a DNS name/],
    ['loopback', { domainName: '127.0.0.1' }, /must be a DNS name/],
    ['an IPv6 literal', { domainName: '[::1]' }, /must be a DNS name/],
    ['localhost', { domainName: 'localhost' }, /must be a DNS name/],
    ['a port', { domainName: 'api.example.com:8443' }, /must be a DNS name/],
    ['a scheme', { domainName: 'https://api.example.com' }, /must be a DNS name/],
    ['a path', { domainName: 'api.example.com/x' }, /must be a DNS name/],
    ['a trailing dot', { domainName: 'api.example.com.' }, /must be a DNS name/],
    ['upper case', { domainName: 'API.example.com' }, /must be a DNS name/],
    ['a suffix of a declared domain', { domainName: 'evil-api.example.com' }, /is not a domain the app declares/],
    ['a number', { domainName: 42 }, /must be a DNS name/],
    ['no domain', {}, /must be a DNS name/],
    ['extra fields', { domainName: 'api.example.com', customHeaders: { 'x-origin-verify': 'x' } }, /unknown fields: customHeaders/],
    ['a string', 'api.example.com', /must be an object/],
    ['null', null, /must be an object/],
    ['an array', ['api.example.com'], /must be an object/],
  ])('%s is refused', (_, value, message) => {
    expect(originValueProblem('apiEu', value, plan)).toMatch(message);
  });

  test.each(['api', 'site', '__proto__', 'constructor', 'toString', 'hasOwnProperty', ''])('an id that is no routing target (%j) is refused', (id) => {
    expect(originValueProblem(id, { domainName: 'api.example.com' }, plan)).toMatch(/is not a routing target of the app \(targets: apiEu\)/);
  });

  test('property: any accepted value names exactly a declared domain of a known target, and nothing else', () => {
    const anyValue = fc.oneof(
      fc.jsonValue(),
      fc.record({ domainName: fc.oneof(fc.domain(), fc.ipV4(), fc.ipV6(), fc.constantFrom('api.example.com', 'api-eu.example.com', 'API.EXAMPLE.COM')) }),
      fc.record({ domainName: fc.constantFrom('api.example.com'), extra: fc.jsonValue() }),
    );
    fc.assert(
      fc.property(fc.constantFrom('apiEu', 'api', '__proto__', 'x'), anyValue, (id, value) => {
        const problem = originValueProblem(id, value, plan);
        if (problem !== undefined) return typeof problem === 'string' && problem.length > 0;
        const v = value as { domainName: string };
        return id === 'apiEu' && Object.keys(v).length === 1 && plan.origins.apiEu.includes(v.domainName);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('experiments: experiment:<name> = {"weights": {...}} or {"off": true}', () => {
  test('known variants with finite weights, or off, are accepted', () => {
    expect(experimentValueProblem('home', { weights: { control: 80, redesign: 20 } }, plan)).toBeUndefined();
    expect(experimentValueProblem('home', { weights: { redesign: 0 } }, plan)).toBeUndefined(); // control keeps its deployed weight
    expect(experimentValueProblem('home', { off: true }, plan)).toBeUndefined();
    expect(experimentValueProblem('home', { weights: { control: KVS_MAX_WEIGHT, redesign: 0.5 } }, plan)).toBeUndefined();
  });

  test.each([
    ['an unknown experiment', 'checkout', { weights: { a: 1 } }, /'checkout' is not an experiment of the app \(experiments: home\)/],
    ['an inherited name', '__proto__', { off: true }, /is not an experiment of the app/],
    ['an unknown variant', 'home', { weights: { blue: 20 } }, /experiment 'home' has no variant 'blue'; its variants: control, redesign/],
    ['a negative weight', 'home', { weights: { control: -1, redesign: 1 } }, /weight of variant 'control' of experiment 'home' must be a number from 0 to 1000000, got: -1/],
    ['NaN', 'home', { weights: { control: Number.NaN } }, /must be a number from 0/],
    ['Infinity', 'home', { weights: { control: Number.POSITIVE_INFINITY } }, /must be a number from 0/],
    ['a huge weight', 'home', { weights: { control: 1e12 } }, /must be a number from 0 to 1000000/],
    ['a string weight', 'home', { weights: { control: '50' } }, /must be a number from 0/],
    ['all zero', 'home', { weights: { control: 0, redesign: 0 } }, /at least one weight must be above 0/],
    ['empty weights', 'home', { weights: {} }, /at least one variant/],
    ['no weights, not off', 'home', {}, /needs "weights"/],
    ['off as a string', 'home', { off: 'yes' }, /'off' of experiment 'home' must be true or false/],
    ['extra fields', 'home', { weights: { control: 1 }, domainName: 'x' }, /unknown fields: domainName/],
    ['weights as a list', 'home', { weights: [1, 2] }, /needs "weights"/],
    ['a number', 'home', 5, /must be an object/],
  ])('%s is refused', (_, name, value, message) => {
    expect(experimentValueProblem(name, value, plan)).toMatch(message);
  });

  test('property: an accepted value names only deployed variants with weights in range', () => {
    const weight = fc.oneof(fc.double(), fc.integer(), fc.constant(0), fc.string());
    const value = fc.oneof(
      fc.jsonValue(),
      fc.record({ weights: fc.dictionary(fc.constantFrom('control', 'redesign', 'blue', '__proto__'), weight) }, { requiredKeys: [] }),
      fc.record({ off: fc.oneof(fc.boolean(), fc.jsonValue()) }),
    );
    fc.assert(
      fc.property(value, (v) => {
        const problem = experimentValueProblem('home', v, plan);
        if (problem !== undefined) return true;
        const o = v as { weights?: Record<string, number>; off?: boolean };
        if (o.off === true) return true;
        return Object.entries(o.weights ?? {}).every(([k, w]) => ['control', 'redesign'].includes(k) && Number.isFinite(w) && w >= 0 && w <= KVS_MAX_WEIGHT);
      }),
      { numRuns: 2000 },
    );
  });

  test('what the functions will do is said in shares', () => {
    expect(describeExperimentValue('home', { weights: { control: 80, redesign: 20 } }, [{ name: 'control', weight: 50 }, { name: 'redesign', weight: 50 }])).toBe(
      "new viewers of experiment 'home' without a variant cookie get control 80%, redesign 20%; viewers with a cookie keep theirs; routes with auth (Lambda@Edge) keep the deployed weights",
    );
    expect(describeExperimentValue('home', { weights: { redesign: 150 } }, [{ name: 'control', weight: 50 }, { name: 'redesign', weight: 50 }])).toMatch(/control 25% \(deployed weight\), redesign 75%/);
    expect(describeExperimentValue('home', { off: true }, [{ name: 'control', weight: 50 }])).toMatch(/is off: new viewers all get 'control'/);
  });
});

describe('the CloudFront Functions language', () => {
  const source = path.join(__dirname, '..', '..', 'lambda-edge', 'shared', 'kvs-values.ts');

  /** Built as the field builds CloudFront Functions: ES5 with only the runtime's documented additions. */
  function es5Bundle(): string {
    const out = buildSync({
      entryPoints: [source],
      bundle: true,
      write: false,
      format: 'iife',
      globalName: 'rules',
      target: 'es5',
      supported: { arrow: true, 'const-and-let': true, 'template-literal': true, 'exponent-operator': true, 'rest-argument': true },
      logLevel: 'silent',
    });
    return out.outputFiles[0].text;
  }

  test('the module builds for ES5 plus the documented features (no for-of, destructuring, spread, default parameters)', () => {
    const code = es5Bundle();
    expect(code).not.toMatch(/\bfor\s*\([^)]*\bof\b|\bnew (Map|Set)\b|\.\.\.[A-Za-z_$]/);
  });

  test('njs gives the answers node gives', () => {
    const cases: Array<[string, string, unknown]> = [
      ['origin', 'apiEu', { domainName: 'api.example.com' }],
      ['origin', 'apiEu', { domainName: '10.0.0.1' }],
      ['origin', 'apiEu', { domainName: 'attacker.example.net' }],
      ['origin', '__proto__', { domainName: 'api.example.com' }],
      ['origin', 'apiEu', { domainName: 'api.example.com', extra: 1 }],
      ['experiment', 'home', { weights: { control: 80, redesign: 20 } }],
      ['experiment', 'home', { weights: { blue: 1 } }],
      ['experiment', 'home', { weights: { control: -1 } }],
      ['experiment', 'home', { off: true }],
      ['experiment', 'home', { off: 'yes' }],
    ];
    const expected = cases.map(([kind, id, v]) => (kind === 'origin' ? originValueProblem(id, v, plan) : experimentValueProblem(id, v, plan)) ?? null);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kvs-values-njs-'));
    try {
      const file = path.join(dir, 'run.js');
      fs.writeFileSync(
        file,
        `${es5Bundle()}
var plan = ${JSON.stringify(plan)};
var cases = ${JSON.stringify(cases)};
var out = [];
for (var i = 0; i < cases.length; i++) {
  var c = cases[i];
  var r = c[0] === 'origin' ? rules.originValueProblem(c[1], c[2], plan) : rules.experimentValueProblem(c[1], c[2], plan);
  out.push(r === undefined ? null : r);
}
console.log(JSON.stringify(out));
`,
      );
      const got = JSON.parse(execFileSync('njs', [file], { encoding: 'utf8' }).trim());
      expect(got).toEqual(expected);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
