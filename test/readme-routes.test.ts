import * as fs from 'fs';
import * as path from 'path';
import { plansOf } from '../tools/plan';
import { referenceAssembly } from './local/reference-assembly';

/** README's "The reference app" table is the reference app's route table, as its plan says. */

const ROOT = path.join(__dirname, '..');

function readmeRows(): Array<{ path: string; tier: string; origin: string }> {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\n## The reference app\n'));
  const table = section.slice(section.indexOf('| path | tier | origin | edge |'), section.indexOf('\n\n', section.indexOf('| path |')));
  return table
    .split('\n')
    .slice(2)
    .map((row) => row.split('|').map((c) => c.trim()))
    .map(([, p, tier, origin]) => ({
      path: p.replace(/`/g, ''),
      tier: tier.split(/[ ,;]/)[0],
      origin: origin.startsWith('site bucket') ? 'site' : origin.split(/[ ,;]/)[0],
    }));
}

test('every route of the reference app is a row of the README table, in distribution order, with its tier and origin', () => {
  const template = JSON.parse(fs.readFileSync(path.join(referenceAssembly().dir, 'TieredCdnReference.template.json'), 'utf8'));
  const [plan] = plansOf(template);
  const patterns = new Set(plan.behaviors.map((b) => b.pathPattern));
  // `prefix` behaviors the construct adds so a protected `prefix/*` covers `prefix` too are named in the text, not rows.
  const routes = plan.behaviors.filter((b) => !(b.pathPattern.indexOf('*') < 0 && patterns.has(`${b.pathPattern}/*`)));
  expect(readmeRows()).toEqual(routes.map((b) => ({ path: b.pathPattern, tier: b.tier, origin: b.origin })));
  expect(routes.map((b) => b.pathPattern)).toContain('/api/categories/*');
});

test("README's edge functions section names both runtimes and the viewer-request steps in the order the reference plan composes them", () => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\n## Edge functions\n'), readme.indexOf('\n## The reference app\n'));
  expect(section).toContain('**CloudFront Functions**');
  expect(section).toContain('**Lambda@Edge**');
  const order = /viewer-request runs \*\*(.*?)\*\*/s.exec(section)![1].replace(/\s+/g, ' ').split(' → ');
  const words: Record<string, string> = { guard: 'path guard', normalize: 'normalize query', auth: 'auth', experiments: 'experiments' };
  const template = JSON.parse(fs.readFileSync(path.join(referenceAssembly().dir, 'TieredCdnReference.template.json'), 'utf8'));
  const composed = plansOf(template)[0].behaviors.map((b) => ((b.edge as any)?.['viewer-request']?.steps ?? []) as string[]);
  expect(composed.some((steps) => steps.length > 1)).toBe(true);
  for (const steps of composed) {
    const positions = steps.filter((s) => s in words).map((s) => order.indexOf(words[s]));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  }
});
