import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { listSiteFiles } from '../lib/variant-documents';

/**
 * The demo site's asset names carry real content hashes (the first 8 hex digits of the SHA-256 of
 * the file), which is what makes caching them for a year as immutable safe; and one asset is over
 * CloudFront's 1,000-byte compression floor, so the demo can show br and gzip.
 */
const ROOT = path.join(__dirname, '..');
const SITES = ['site', path.join('examples', 'consumer', 'site')];
const HASHED = /\.([0-9a-f]{8})\.[a-z0-9]+$/;

describe.each(SITES)('%s', (site) => {
  const dir = path.join(ROOT, site);
  const files = listSiteFiles(dir);
  const hashed = files.filter((f) => HASHED.test(f));

  test('has content-hashed assets, each named after the SHA-256 of its content', () => {
    expect(hashed.length).toBeGreaterThan(0);
    for (const f of hashed) {
      const actual = crypto.createHash('sha256').update(fs.readFileSync(path.join(dir, f))).digest('hex').slice(0, 8);
      const wanted = f.replace(HASHED, (m, h: string) => m.replace(h, actual));
      // On failure: rename the file to the wanted name and update the documents that link it.
      expect(f).toBe(wanted);
    }
  });

  test('every asset a document links exists', () => {
    for (const doc of files.filter((f) => f.endsWith('.html'))) {
      const html = fs.readFileSync(path.join(dir, doc), 'utf8');
      for (const [, ref] of html.matchAll(/(?:href|src)="(\/[^"]+\.(?:css|js))"/g)) expect([doc, files.includes(ref)]).toEqual([doc, true]);
    }
  });
});

test('the demo has an asset CloudFront compresses (over 1,000 bytes)', () => {
  const sizes = listSiteFiles(path.join(ROOT, 'site'))
    .filter((f) => /\.(css|js)$/.test(f))
    .map((f) => fs.statSync(path.join(ROOT, 'site', f)).size);
  expect(Math.max(...sizes)).toBeGreaterThan(1000);
});

test("the demo pages say how the reference app invalidates them: by the entry documents' cache tag", () => {
  const { planDistribution } = require('../lib');
  for (const page of ['index.html', 'about.html']) {
    const html = fs.readFileSync(path.join(ROOT, 'site', page), 'utf8');
    expect([page, /invalidated[^.]*#site:html/.test(html), /exact path/.test(html)]).toEqual([page, true, false]);
  }
  // The construct's default the pages describe: tags on, entry documents tagged site:html.
  const plan = planDistribution({ site: { source: path.join(ROOT, 'site') }, routes: [{ pathPattern: '*', tier: 'html', origin: 'site' }], waf: false }, { region: 'us-east-1' });
  expect(plan.problems).toEqual([]);
  expect(plan.siteGroups.find((g: { entryDocuments: boolean }) => g.entryDocuments).tags).toContain('site:html');
});
