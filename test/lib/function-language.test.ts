import { App, Annotations as CoreAnnotations, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import { TieredCdn, type TieredCdnProps } from '../../lib';
import { SITE_DIR, testOutdir } from '../helpers/stacks';

/** Synth checks every CloudFront Function of the app against the runtime's language. */

const ID = 'tiered-cdn:cf-function-language';

const props: TieredCdnProps = {
  site: { source: SITE_DIR },
  origins: { api: { domainName: 'api.example.com' } },
  routes: [
    // An experiment and a public route: the construct generates CloudFront Functions for both.
    { pathPattern: '*', tier: 'html', origin: 'site', experiments: [{ name: 'home', variants: [{ name: 'a', weight: 1 }, { name: 'b', weight: 1 }] }] },
    { pathPattern: '/api/*', tier: 'api', origin: 'api' },
  ],
};

const userFunction = (scope: Stack, id: string, code: string) =>
  new cloudfront.Function(scope, id, { runtime: cloudfront.FunctionRuntime.JS_2_0, code: cloudfront.FunctionCode.fromInline(code) });

function app() {
  const a = new App({ outdir: testOutdir() });
  const stack = new Stack(a, 'Test', { env: { region: 'us-east-1' } });
  const cdn = new TieredCdn(stack, 'Cdn', props);
  return { a, stack, cdn };
}

test("the construct's own functions pass: no warning, no error", () => {
  const { stack, cdn } = app();
  expect(Object.keys(cdn.cloudFrontFunctions).length).toBeGreaterThan(0);
  const annotations = Annotations.fromStack(stack);
  annotations.hasNoError('*', Match.anyValue());
  annotations.hasNoWarning('*', Match.stringLikeRegexp(ID));
});

test("a user's function in the same stack that uses for...of and Map gets a warning naming the line and the feature", () => {
  const { stack } = app();
  userFunction(stack, 'Legacy', 'function handler(event) {\n  var m = new Map();\n  for (const k of Object.keys(event.request.headers)) m.set(k, 1);\n  return event.request;\n}\n');
  const annotations = Annotations.fromStack(stack);
  annotations.hasWarning('/Test/Legacy/Resource', Match.stringLikeRegexp(`uses JavaScript cloudfront-js-2\\.0 does not run[\\s\\S]*line 2, column 15: Map \\(Map\\)[\\s\\S]*line 3, column 3: for\\.\\.\\.of[\\s\\S]*\\[ack: ${ID}\\]`));
  annotations.hasNoError('*', Match.anyValue());
});

test("a user's function in another stack of the app is checked too; one in the documented language is not flagged", () => {
  const { a } = app();
  const other = new Stack(a, 'Other', { env: { region: 'us-east-1' } });
  userFunction(other, 'Spread', 'function handler(event) { return { ...event.request }; }');
  userFunction(other, 'Fine', 'function handler(event) { var r = event.request; r.uri = `/x${r.uri}`; return r; }');
  const annotations = Annotations.fromStack(other);
  annotations.hasWarning('/Other/Spread/Resource', Match.stringLikeRegexp('object spread'));
  annotations.hasNoWarning('/Other/Fine/Resource', Match.anyValue());
});

test('a function inside the TieredCdn construct outside the language is an error: the build must never produce one', () => {
  const { stack, cdn } = app();
  new cloudfront.CfnFunction(cdn, 'Injected', {
    name: 'injected',
    autoPublish: true,
    functionCode: 'function handler(event) { try { return event.request; } catch { return event.request; } }',
    functionConfig: { comment: 'x', runtime: 'cloudfront-js-2.0' },
  });
  Annotations.fromStack(stack).hasError('/Test/Cdn/Injected', Match.stringLikeRegexp(`\\[${ID}\\][\\s\\S]*optional catch binding[\\s\\S]*tiered-cdn generated this function`));
});

test('the warning can be acknowledged by its id', () => {
  const { stack } = app();
  const legacy = userFunction(stack, 'Legacy', 'function handler(event) { for (const k of []) k; return event.request; }');
  CoreAnnotations.of(legacy).acknowledgeWarning(ID, 'runs on a runtime we test separately');
  Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('for\\.\\.\\.of'));
});
