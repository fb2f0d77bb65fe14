import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/**
 * The cache of edge bundles (lib/edge/build-cache.ts): what a synth gets from it is what esbuild
 * would build now, and nobody else on the machine can put a bundle into it.
 */

type BuildCache = typeof import('../../lib/edge/build-cache');

/** A fresh copy of the module (empty memory), with the temporary folder at `tmp`. */
function freshCache(tmp: string): BuildCache {
  // The module object itself: what build-cache.ts reads os.tmpdir() from.
  jest.spyOn(require('os') as typeof os, 'tmpdir').mockReturnValue(tmp);
  let mod: BuildCache | undefined;
  jest.isolateModules(() => {
    mod = require('../../lib/edge/build-cache');
  });
  return mod!;
}

let tmp: string;
let src: string;

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tcdn-build-cache-'));
  src = fs.mkdtempSync(path.join(os.tmpdir(), 'tcdn-build-src-'));
  fs.writeFileSync(path.join(src, 'entry.ts'), "import { word } from './dep';\nexport const handler = () => word + __CONFIG__;\n");
  fs.writeFileSync(path.join(src, 'dep.ts'), "export const word = 'first';\n");
});

afterEach(() => {
  jest.restoreAllMocks();
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.rmSync(src, { recursive: true, force: true });
});

const options = (config: string) => ({ entryPoints: [path.join(src, 'entry.ts')], bundle: true, format: 'cjs' as const, define: { __CONFIG__: JSON.stringify(config) }, logLevel: 'silent' as const });

test('a build is kept on disk and reused by another process while its inputs are unchanged', () => {
  const first = freshCache(tmp).buildOnce(options('a'));
  expect(first.text).toContain('"first"');
  const dir = path.join(tmp, fs.readdirSync(tmp).find((n) => n.startsWith('tiered-cdn-'))!, 'builds');
  expect(fs.readdirSync(dir)).toHaveLength(1);
  // Another process: nothing in memory, the entry on disk. Mark it to see it is what comes back.
  const file = path.join(dir, fs.readdirSync(dir)[0]);
  const entry = JSON.parse(fs.readFileSync(file, 'utf8'));
  entry.code = Buffer.from('/* from the cache */').toString('base64');
  fs.writeFileSync(file, JSON.stringify(entry));
  expect(freshCache(tmp).buildOnce(options('a')).text).toBe('/* from the cache */');
});

test('an input file that changed, or was removed, makes a new build; so does another configuration', () => {
  const cache = freshCache(tmp);
  expect(cache.buildOnce(options('a')).text).toContain('"first"');
  fs.writeFileSync(path.join(src, 'dep.ts'), "export const word = 'second';\n");
  expect(cache.buildOnce(options('a')).text).toContain('"second"');
  // The same in a new process, from the disk entry.
  fs.writeFileSync(path.join(src, 'dep.ts'), "export const word = 'third';\n");
  expect(freshCache(tmp).buildOnce(options('a')).text).toContain('"third"');
  expect(cache.buildOnce(options('b')).text).toContain('"b"');
  fs.rmSync(path.join(src, 'dep.ts'));
  expect(() => cache.buildOnce(options('a'))).toThrow(/Could not resolve/);
});

test('a damaged disk entry is rebuilt, and a failed build is not kept', () => {
  const cache = freshCache(tmp);
  cache.buildOnce(options('a'));
  const dir = path.join(cache.privateTempDir(), 'builds');
  for (const n of fs.readdirSync(dir)) fs.writeFileSync(path.join(dir, n), '{"inputs": [1');
  expect(freshCache(tmp).buildOnce(options('a')).text).toContain('"first"');
  fs.writeFileSync(path.join(src, 'dep.ts'), 'export const word = ;\n');
  expect(() => cache.buildOnce(options('c'))).toThrow();
  expect(fs.readdirSync(dir)).toHaveLength(1);
});

describe('the private folder', () => {
  const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;
  const ownName = () => path.join(tmp, `tiered-cdn-${uid}`);
  const posix = uid === undefined ? test.skip : test;

  posix('is created for this user only (mode 0700)', () => {
    const dir = freshCache(tmp).privateTempDir();
    expect(dir).toBe(ownName());
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
  });

  posix('one that others can write, or a symbolic link planted in its place, is not used', () => {
    fs.mkdirSync(ownName(), { mode: 0o777 });
    fs.chmodSync(ownName(), 0o777);
    const planted = path.join(ownName(), 'builds');
    fs.mkdirSync(planted);
    const dir = freshCache(tmp).privateTempDir();
    expect(dir).not.toBe(ownName());
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);

    fs.rmSync(ownName(), { recursive: true });
    const elsewhere = fs.mkdtempSync(path.join(tmp, 'elsewhere-'));
    fs.symlinkSync(elsewhere, ownName());
    const dir2 = freshCache(tmp).privateTempDir();
    expect(dir2).not.toBe(ownName());
    expect(fs.lstatSync(dir2).isSymbolicLink()).toBe(false);
    // Builds go to the private folder, never into the planted one.
    freshCache(tmp).buildOnce(options('a'));
    expect(fs.readdirSync(elsewhere)).toEqual([]);
  });
});
