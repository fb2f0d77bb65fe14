import { App, Duration, Stack } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Problem, RouteProps, TieredCdn, TieredCdnPolicies, TieredCdnProps, TieredCdnValidationError } from '../../lib';
import { type TypeSpec, TIERED_CDN_PROPS } from '../../lib/prop-types';
import { SITE_DIR, testOutdir } from '../helpers/stacks';

/*
 * Plain JavaScript apps (examples/consumer) and TypeScript run without a type check (tsx) hand the
 * construct props of any type. Every prop of TieredCdnProps, at every depth, is given values of
 * other types; each must be one coded problem at that prop, never a TypeError from inside a rule.
 */

function problemsOf(props: unknown): Problem[] {
  const app = new App({ outdir: testOutdir() });
  const stack = new Stack(app, 'Test', { env: { region: 'us-east-1' } });
  try {
    new TieredCdn(stack, 'Cdn', (typeof props === 'function' ? props(stack) : props) as TieredCdnProps);
  } catch (err) {
    if (err instanceof TieredCdnValidationError) return [...err.problems];
    throw err;
  }
  throw new Error('expected a TieredCdnValidationError');
}

/** A construct of the interface a prop takes. */
function construct(member: string, scope: Stack, id: string): unknown {
  switch (member) {
    case 'lambda':
      return lambda.Version.fromVersionArn(scope, id, 'arn:aws:lambda:us-east-1:123456789012:function:f:1');
    case 'bucketName':
      return new s3.Bucket(scope, id);
    case 'certificateArn':
      return acm.Certificate.fromCertificateArn(scope, id, 'arn:aws:acm:us-east-1:123456789012:certificate/abc');
    case 'secretArn':
      return secretsmanager.Secret.fromSecretNameV2(scope, id, 'origin-verify');
    case 'logGroupArn':
      return logs.LogGroup.fromLogGroupName(scope, id, 'cdn-logs');
    case 'securityHeaders':
      return new TieredCdnPolicies(scope, id);
    case 'topicArn':
      return sns.Topic.fromTopicArn(scope, id, 'arn:aws:sns:us-east-1:123456789012:alarms');
  }
  throw new Error(`no sample construct with ${member}`);
}

/** A value of each kind, for building props whose every member has the right type. */
function sample(spec: TypeSpec, scope: Stack): unknown {
  switch (spec.kind) {
    case 'string':
      return 'x';
    case 'number':
      return 1;
    case 'boolean':
      return true;
    case 'false':
      return false;
    case 'null':
      return null;
    case 'duration':
      return Duration.seconds(1);
    case 'construct':
      return construct(spec.member, scope, `Sample${scope.node.children.length}`);
    case 'plain-object':
      return {};
    case 'array':
      return [sample(spec.of, scope)];
    case 'record':
      return { k: sample(spec.of, scope) };
    case 'object':
      return Object.fromEntries(Object.entries(spec.fields).map(([k, f]) => [k, sample(f.type, scope)]));
    case 'union':
      return sample(spec.of.find((s) => s.kind === 'object') ?? spec.of[0], scope);
  }
}

interface Member {
  /** Prop path as problems name it: `routes[0].auth.clockSkew`. */
  readonly path: string;
  /** Keys to reach it in the sample. */
  readonly keys: readonly (string | number)[];
  readonly type: TypeSpec;
  readonly code?: string;
}

/** Every member of the spec, at every depth (the first element of each list, one key of each map). */
function members(spec: TypeSpec, path: string, keys: (string | number)[], out: Member[]): Member[] {
  const next = spec.kind === 'union' ? spec.of.find((s) => s.kind === 'object') : spec;
  if (!next) return out;
  if (next.kind === 'array' || next.kind === 'record') {
    const key = next.kind === 'array' ? 0 : 'k';
    const p = next.kind === 'array' ? `${path}[0]` : `${path}.k`;
    out.push({ path: p, keys: [...keys, key], type: next.of });
    members(next.of, p, [...keys, key], out);
  }
  else if (next.kind === 'object') {
    for (const [name, field] of Object.entries(next.fields)) {
      const p = path ? `${path}.${name}` : name;
      out.push({ path: p, keys: [...keys, name], type: field.type, code: field.code });
      members(field.type, p, [...keys, name], out);
    }
  }
  return out;
}

/** Whether a value is of a kind, judged independently of the module under test. */
function accepts(spec: TypeSpec, value: unknown): boolean {
  switch (spec.kind) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'false':
      return value === false;
    case 'null':
      return value === null;
    case 'duration':
      return value instanceof Duration;
    case 'construct':
      return false;
    case 'plain-object':
    case 'object':
    case 'record':
      return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Duration);
    case 'array':
      return Array.isArray(value);
    case 'union':
      return spec.of.some((s) => accepts(s, value));
  }
}

/** What careless JavaScript passes: a number for a Duration, a string for a list, an object for a string... */
const WRONG: ReadonlyArray<[string, unknown]> = [
  ['a number', 30],
  ['NaN', NaN],
  ['a string', '30s'],
  ['true', true],
  ['null', null],
  ['an object', { seconds: 30 }],
  ['a list', ['x']],
  ['a Duration', Duration.seconds(30)],
];

const MEMBERS = members(TIERED_CDN_PROPS, '', [], []);

function withValue(scope: Stack, keys: readonly (string | number)[], value: unknown): Record<string, unknown> {
  const props = sample(TIERED_CDN_PROPS, scope) as Record<string, unknown>;
  let at: any = props;
  for (const k of keys.slice(0, -1)) at = at[k];
  at[keys[keys.length - 1]] = value;
  return props;
}

describe('props of the wrong runtime type', () => {
  test('the spec reaches every prop: routes, origins, site, auth, experiments, routing, staging, options', () => {
    const paths = MEMBERS.map((m) => m.path);
    for (const p of [
      'routes[0].maxTtl',
      'routes[0].auth.clockSkew',
      'routes[0].auth.jwks.keys[0]',
      'routes[0].experiments[0].variants[0].weight',
      'routes[0].originRouting.rules[0].countries',
      'routes[0].edgeLambdas[0].functionVersion',
      'origins.k.connectionTimeout',
      'site.tags.k',
      'staging.routes[0].maxTtl',
      'staging.stickiness.idle',
      'monitoring.alarmTopic',
      'waf.apiRateLimit',
      'distributionOverrides',
    ]) {
      expect(paths).toContain(p);
    }
    expect(paths.length).toBeGreaterThan(90);
  });

  test('props whose every member has the right type pass the type check (the rules then judge the values)', () => {
    const problems = problemsOf((stack: Stack) => sample(TIERED_CDN_PROPS, stack));
    expect(problems.filter((p) => p.code === 'prop-type-invalid')).toEqual([]);
    expect(problems.length).toBeGreaterThan(0);
  });

  const cases = MEMBERS.flatMap((m) =>
    WRONG.filter(([, v]) => !accepts(m.type, v)).map(([what, v]) => [m.path, what, m, v] as const),
  );

  test.each(cases)('%s as %s is one coded problem at that prop', (path, _what, member, value) => {
    const problems = problemsOf((stack: Stack) => withValue(stack, member.keys, value));
    expect(problems.map((p) => `${p.code} ${p.path}`)).toEqual([`${member.code ?? 'prop-type-invalid'} ${path}`]);
    expect(problems[0].message).toMatch(/ must be .*, got: /);
  });

  test('props that are not an object at all are one problem', () => {
    for (const props of [undefined, null, 'routes', 42, []]) {
      expect(problemsOf(props).map((p) => p.code)).toEqual(['prop-type-invalid']);
    }
  });
});

describe('what a plain JavaScript user sees', () => {
  const html: RouteProps = { pathPattern: '*', tier: 'html', origin: 'site' };
  const base = { site: { source: SITE_DIR }, origins: { api: { domainName: 'api.example.com' } } };

  test('maxTtl: 30 (a number, not a Duration) names the route and how to write it', () => {
    const problems = problemsOf({ ...base, routes: [html, { pathPattern: '/api/*', tier: 'api', origin: 'api', maxTtl: 30 }] });
    expect(problems).toEqual([
      {
        code: 'prop-type-invalid',
        path: 'routes[1].maxTtl',
        message:
          'routes[1] ("/api/*").maxTtl must be a Duration such as Duration.seconds(30) (from aws-cdk-lib), got: 30 (a number). Write Duration.seconds(30) for 30 seconds.',
      },
    ]);
  });

  test('every wrong type is reported at once', () => {
    const problems = problemsOf({
      ...base,
      origins: { api: { domainName: 'api.example.com', readTimeout: 30 } },
      routes: [html, { pathPattern: '/api/*', tier: 'api', origin: 'api', varyHeaders: 'Accept-Language', maxTtl: '60s' }],
      waf: true,
    });
    expect(problems.map((p) => p.path).sort()).toEqual(['origins.api.readTimeout', 'routes[1].maxTtl', 'routes[1].varyHeaders', 'waf']);
    expect(problems.find((p) => p.path === 'routes[1].varyHeaders')!.message).toBe(
      'routes[1] ("/api/*").varyHeaders must be a list of strings, got: "Accept-Language" (a string).',
    );
  });

  test('a required member that is missing is the rules’ problem, never a TypeError', () => {
    const route: Record<string, unknown> = { pathPattern: '/api/*', tier: 'api', origin: 'api' };
    for (const key of Object.keys(route)) {
      const { [key]: _gone, ...rest } = route;
      expect(problemsOf({ ...base, routes: [html, rest] }).length).toBeGreaterThan(0);
    }
    expect(problemsOf({ ...base, origins: { api: {} }, routes: [html] }).map((p) => p.path)).toContain('origins.api.domainName');
    expect(problemsOf({ ...base, routes: [html, { ...route, auth: { audience: 'a', jwks: { keys: [] } } }] }).map((p) => p.path)).toContain(
      'routes[1].auth.issuer',
    );
  });
});
