import * as path from 'path';
import { isDocument } from '../../lambda-edge/shared/variant-documents';
import { listSiteFiles } from '../../lib/variant-documents';
import { type LocalEdge, startLocalEdge } from '../../tools/local';
import { referenceAssembly } from './reference-assembly';
import { request } from './helpers';

/**
 * The reference app through the local edge, its site served from the assembly's BucketDeployment
 * content: every document of site/ answers 200 for every variant of the `home` experiment.
 */
const SITE = path.join(__dirname, '..', '..', 'site');
const VARIANTS = ['control', 'redesign'];

let edge: LocalEdge;

beforeAll(async () => {
  edge = await startLocalEdge({ app: referenceAssembly().dir, port: 0, clock: 'virtual', onWarning: () => {} });
}, 120_000);

afterAll(async () => {
  await edge?.close();
});

const controlDocuments = listSiteFiles(SITE).filter((f) => isDocument(f) && !f.startsWith('/variants/'));
const uris = [...controlDocuments, ...controlDocuments.filter((f) => f.endsWith('/index.html')).map((f) => f.slice(0, -'index.html'.length))];

test('the site has documents outside the variant folder that the redesign folder lacks (so the fallback is exercised)', () => {
  expect(uris).toEqual(expect.arrayContaining(['/', '/index.html', '/about.html']));
  expect(listSiteFiles(SITE)).not.toContain('/variants/redesign/about.html');
});

test.each(VARIANTS.flatMap((variant) => uris.map((uri) => [variant, uri])))('variant %s: GET %s answers 200', async (variant, uri) => {
  const r = await request(`${edge.url}${uri}`, { headers: { cookie: `tcdn-exp-home=${variant}` } });
  expect(r.status).toBe(200);
  expect(r.headers['content-type']).toMatch(/^text\/html/);
});

test("the redesign's own home page is served to its viewers, the control's to the others", async () => {
  const home = async (variant: string) => (await request(`${edge.url}/`, { headers: { cookie: `tcdn-exp-home=${variant}` } })).text;
  expect(await home('redesign')).toContain('the redesign variant');
  expect(await home('control')).not.toContain('the redesign variant');
});
