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
