import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { RouteProps, TieredCdn } from '../../lib';
import { diffStacks, formatStackDiffs } from '../../tools/diff/compare';
import { SITE_DIR, testOutdir } from '../helpers/stacks';

/*
 * A reviewer reads which routes changed and how, in words. Routes with equal settings share one
 * cache policy: dropping varyHeaders from /api/categories/* makes the policies swap contents, and
 * the resource diff alone named /api/config/* and /api/* instead.
 */

function template(categories: Partial<RouteProps>): any {
  const app = new App({ outdir: testOutdir() });
  const stack = new Stack(app, 'Web', { env: { region: 'us-east-1' } });
  new TieredCdn(stack, 'Cdn', {
    site: { source: SITE_DIR },
    origins: { api: { domainName: 'api.example.com' } },
    routes: [
      { pathPattern: '*', tier: 'html', origin: 'site' },
      { pathPattern: '/api/config/*', tier: 'api', origin: 'api', varyHeaders: ['Accept-Language'] },
      { pathPattern: '/api/categories/*', tier: 'api', origin: 'api', ...categories },
      { pathPattern: '/api/*', tier: 'api', origin: 'api', varyHeaders: ['Accept-Language'], queryStrings: ['page'] },
    ],
  });
  return Template.fromStack(stack).toJSON();
}

const before = template({ varyHeaders: ['Accept-Language'], queryStrings: ['page'] });

test('dropping varyHeaders from /api/categories/* names that route, and only it, in words', () => {
  const after = template({ queryStrings: ['page'] });
  const [diff] = diffStacks({ Web: before }, { Web: after });
  expect(diff.routeChanges).toEqual([
    { distribution: expect.any(String), pathPattern: '/api/categories/*', change: 'changed', details: ['cache key no longer varies on accept-language'] },
  ]);
  const text = formatStackDiffs([diff]);
  expect(text).toMatch(/^Stack Web: 1 route change\(s\), /m);
  expect(text).toContain('  Route changes (from the TieredCdn plan):\n    /api/categories/*: cache key no longer varies on accept-language\n');
  // The plan is read, never printed as a metadata blob.
  expect(text).not.toContain('TieredCdn::Plan');
  expect(Math.max(...text.split('\n').map((l) => l.length))).toBeLessThan(400);
});

test('a route added, a tier and a TTL changed: each in its own words', () => {
  const after = template({ tier: 'dynamic' });
  const [diff] = diffStacks({ Web: before }, { Web: after });
  const categories = diff.routeChanges.find((c) => c.pathPattern === '/api/categories/*')!;
  expect(categories.details).toEqual(expect.arrayContaining(['tier api -> dynamic', 'methods GET_HEAD_OPTIONS -> ALL']));
  expect(diff.routeChanges.map((c) => c.pathPattern)).toEqual(['/api/categories/*']);
});

test('the same templates have no route changes and print "no differences"', () => {
  expect(formatStackDiffs(diffStacks({ Web: before }, { Web: before }))).toBe('no differences\n');
});
