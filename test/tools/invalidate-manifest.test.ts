import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack, aws_sqs as sqs } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { TAG_MANIFEST_METADATA_KEY, TagManifest } from '../../lib/tag-manifest';
import { ManifestError, loadTagManifest, pathsForTags } from '../../tools/invalidate/manifest';

function stack(app = new App(), id = 'Web'): Stack {
  const s = new Stack(app, id);
  new sqs.Queue(s, 'Q');
  return s;
}

test('TagManifest writes tag -> paths into the template metadata', () => {
  const s = stack();
  TagManifest.of(s).addPaths('html', ['/', '/index.html']);
  TagManifest.of(s).addPaths('html', ['/index.html', '/about']).addPaths('assets', ['/assets/*']);
  expect(Template.fromStack(s).toJSON().Metadata[TAG_MANIFEST_METADATA_KEY]).toEqual({
    version: 1,
    tags: { assets: ['/assets/*'], html: ['/', '/index.html', '/about'] },
  });
});

test('a stack without tags carries no manifest', () => {
  const s = stack();
  TagManifest.of(s);
  expect(Template.fromStack(s).toJSON().Metadata?.[TAG_MANIFEST_METADATA_KEY]).toBeUndefined();
});

test('fails when a path or the tag name is invalid, naming both', () => {
  const s = stack();
  expect(() => TagManifest.of(s).addPaths('bad tag', ['index.html'])).toThrow(
    "TagManifest.addPaths('bad tag'): tag name must be 1-128 letters, digits, '.', '_', ':' or '-' starting with a letter or digit, got: 'bad tag'; path 'index.html' must start with / (use '/index.html')",
  );
});

describe('loadTagManifest', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tcdn-man-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('reads a cdk.out folder, merging the manifests of its templates', () => {
    const app = new App({ outdir: dir });
    TagManifest.of(stack(app, 'A')).addPaths('html', ['/index.html']);
    TagManifest.of(stack(app, 'B')).addPaths('html', ['/b.html']).addPaths('feed', ['/feed.xml']);
    stack(app, 'C');
    app.synth();
    const doc = loadTagManifest(dir);
    expect(doc.tags).toEqual({ html: ['/index.html', '/b.html'], feed: ['/feed.xml'] });
    expect(loadTagManifest(path.join(dir, 'B.template.json')).tags.html).toEqual(['/b.html']);
    expect(pathsForTags(doc, ['feed', 'html'], dir)).toEqual(['/feed.xml', '/index.html', '/b.html']);
  });

  test('reads a JSON file kept by the user', () => {
    const f = path.join(dir, 'tags.json');
    fs.writeFileSync(f, JSON.stringify({ version: 1, tags: { blog: ['/blog/*'] } }));
    expect(pathsForTags(loadTagManifest(f), ['blog'], f)).toEqual(['/blog/*']);
  });

  test('fails on unknown tags, listing the known ones', () => {
    expect(() => pathsForTags({ version: 1, tags: { a: [], b: [] } }, ['x', 'a', 'y'], 'm.json')).toThrow("unknown tags 'x', 'y' in m.json; known tags: a, b");
  });

  test('fails on a missing file, a wrong shape, or a cdk.out without manifests', () => {
    expect(() => loadTagManifest(path.join(dir, 'nope.json'))).toThrow(ManifestError);
    const f = path.join(dir, 'bad.json');
    fs.writeFileSync(f, JSON.stringify({ version: 1, tags: { a: '/x' } }));
    expect(() => loadTagManifest(f)).toThrow(`${f}: tag 'a' must map to an array of path strings, got "/x"`);
    fs.writeFileSync(f, JSON.stringify({ version: 2, tags: {} }));
    expect(() => loadTagManifest(f)).toThrow('unsupported manifest version 2');
    fs.rmSync(f);
    expect(() => loadTagManifest(dir)).toThrow(/no template in .* carries a tag manifest/);
  });
});
