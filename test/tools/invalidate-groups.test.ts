import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack, aws_sqs as sqs } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { LEGACY_PATH_GROUPS_METADATA_KEY, PATH_GROUPS_METADATA_KEY, PathGroups } from '../../lib/path-groups';
import { PathGroupsError, groupsFromTemplate, loadPathGroups, pathsForGroups } from '../../tools/invalidate/groups';

function stack(app = new App(), id = 'Web'): Stack {
  const s = new Stack(app, id);
  new sqs.Queue(s, 'Q');
  return s;
}

test('PathGroups writes group -> paths into the template metadata', () => {
  const s = stack();
  PathGroups.of(s).add('html', ['/', '/index.html']);
  PathGroups.of(s).add('html', ['/index.html', '/about']).add('assets', ['/assets/*']);
  expect(Template.fromStack(s).toJSON().Metadata[PATH_GROUPS_METADATA_KEY]).toEqual({
    version: 1,
    groups: { assets: ['/assets/*'], html: ['/', '/index.html', '/about'] },
  });
});

test('a stack without groups carries none', () => {
  const s = stack();
  PathGroups.of(s);
  expect(Template.fromStack(s).toJSON().Metadata?.[PATH_GROUPS_METADATA_KEY]).toBeUndefined();
});

test('fails when a path or the group name is invalid, naming both', () => {
  const s = stack();
  expect(() => PathGroups.of(s).add('bad group', ['index.html'])).toThrow(
    "PathGroups.add('bad group'): group name must be 1-128 letters, digits, '.', '_', ':' or '-' starting with a letter or digit, got: 'bad group'; path 'index.html' must start with / (use '/index.html')",
  );
});

describe('loadPathGroups', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tcdn-grp-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('reads a cdk.out folder, merging the groups of its templates', () => {
    const app = new App({ outdir: dir });
    PathGroups.of(stack(app, 'A')).add('html', ['/index.html']);
    PathGroups.of(stack(app, 'B')).add('html', ['/b.html']).add('feed', ['/feed.xml']);
    stack(app, 'C');
    app.synth();
    const doc = loadPathGroups(dir);
    expect(doc.groups).toEqual({ html: ['/index.html', '/b.html'], feed: ['/feed.xml'] });
    expect(loadPathGroups(path.join(dir, 'B.template.json')).groups.html).toEqual(['/b.html']);
    expect(pathsForGroups(doc, ['feed', 'html'], dir)).toEqual(['/feed.xml', '/index.html', '/b.html']);
  });

  test('reads a JSON file kept by the user', () => {
    const f = path.join(dir, 'groups.json');
    fs.writeFileSync(f, JSON.stringify({ version: 1, groups: { blog: ['/blog/*'] } }));
    expect(pathsForGroups(loadPathGroups(f), ['blog'], f)).toEqual(['/blog/*']);
  });

  test('reads files and deployed templates written before the rename ("tags")', () => {
    const f = path.join(dir, 'tags.json');
    fs.writeFileSync(f, JSON.stringify({ version: 1, tags: { blog: ['/blog/*'] } }));
    expect(loadPathGroups(f).groups).toEqual({ blog: ['/blog/*'] });
    const legacy = { Metadata: { [LEGACY_PATH_GROUPS_METADATA_KEY]: { version: 1, tags: { html: ['/'] } } } };
    expect(groupsFromTemplate(legacy, 'old.template.json')?.groups).toEqual({ html: ['/'] });
  });

  test('fails on unknown groups, listing the known ones', () => {
    expect(() => pathsForGroups({ version: 1, groups: { a: [], b: [] } }, ['x', 'a', 'y'], 'm.json')).toThrow("unknown groups 'x', 'y' in m.json; known groups: a, b");
  });

  test('fails on a missing file, a wrong shape, or a cdk.out without groups', () => {
    expect(() => loadPathGroups(path.join(dir, 'nope.json'))).toThrow(PathGroupsError);
    const f = path.join(dir, 'bad.json');
    fs.writeFileSync(f, JSON.stringify({ version: 1, groups: { a: '/x' } }));
    expect(() => loadPathGroups(f)).toThrow(`${f}: group 'a' must map to an array of path strings, got "/x"`);
    fs.writeFileSync(f, JSON.stringify({ version: 2, groups: {} }));
    expect(() => loadPathGroups(f)).toThrow('unsupported path groups version 2');
    fs.rmSync(f);
    expect(() => loadPathGroups(dir)).toThrow(/no template in .* carries path groups/);
  });
});
