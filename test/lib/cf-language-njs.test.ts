import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CfFeature, checkCloudFrontFunctionLanguage } from '../../lib/edge/cf-language';
import { describeWithTool } from '../helpers/python-tools';

/**
 * lib/edge/cf-language against an independent engine: njs (nginx's JavaScript engine, Debian
 * package `njs`), whose language is close to the cloudfront-js-2.0 runtime's and which gives the
 * field's error for these constructs ("Token "of" not supported in this version"). Where njs and the
 * page differ, the test names the construct: the checker follows the page.
 */

/** The njs binary, set by the gate below (skipped without njs, failing where TIERED_CDN_REQUIRE_NJS=1). */
let NJS = 'njs';
const FIXTURES = path.join(__dirname, '..', 'fixtures', 'cf-functions');
const wrap = (body: string) => `function handler(event) {\n  ${body}\n  return event.request;\n}\n`;

/** Constructs the checker refuses that njs refuses too (a SyntaxError before anything runs). */
const BOTH_REFUSE: Array<[string, string]> = [
  ['for (var x of event.list) { x; }', CfFeature.forOf],
  ['var { uri } = event.request;', CfFeature.destructuring],
  ['var a = [...event.list];', CfFeature.spreadArray],
  ['Math.max(...event.list);', CfFeature.spreadCall],
  ['var h = { ...event.request };', CfFeature.spreadObject],
  ['var f = function (a = 1) { return a; };', CfFeature.defaultParameter],
  ['try { f(); } catch { }', CfFeature.optionalCatchBinding],
  ['var A = class {};', CfFeature.classes],
  ['var g = function* () { yield 1; };', CfFeature.generator],
  ['var c = event.request?.uri;', CfFeature.optionalChaining],
  ['var r = /a/u;', `${CfFeature.regexFlag} 'u'`],
  ['var r = /a.b/s;', `${CfFeature.regexFlag} 's'`],
  ['var n = 10n;', CfFeature.bigint],
];

/** Constructs the page does not list, so the checker refuses them, though njs 0.7.9 runs them. */
const ONLY_THE_PAGE_REFUSES: Array<[string, string]> = [
  ['var q = event.x ?? 1;', CfFeature.nullish],
  ['var uri = 1; var o = { uri };', CfFeature.shorthandProperty],
  ["var t = tag`a`; function tag(s) { return s[0]; }", CfFeature.taggedTemplate],
  ['var o = { f() { return 1; } };', CfFeature.shorthandMethod],
  ["var o = { ['k' + 1]: 1 };", CfFeature.computedKey],
  ['var r = /(?<=a)b/;', CfFeature.regexLookbehind],
  ['var r = /a/y;', `${CfFeature.regexFlag} 'y'`],
  ['var f = async () => 1;', CfFeature.asyncArrow],
  ['var f = async function () { return 1; };', CfFeature.asyncClosure],
];

function njsRuns(code: string, dir: string): { ok: boolean; output: string } {
  const file = path.join(dir, `case-${Math.random().toString(36).slice(2)}.js`);
  fs.writeFileSync(file, code);
  const r = spawnSync(NJS, ['-p', dir, file], { encoding: 'utf8', timeout: 10_000 });
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}`.trim() };
}

describeWithTool('njs', 'cf-language and njs', (bin) => {
  NJS = bin;
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tiered-cdn-njs-'));
    // njs finds `import cf from 'cloudfront'` as a file named `cloudfront` on its module path.
    fs.writeFileSync(path.join(dir, 'cloudfront'), "function kvs() { return { get: function () { return Promise.reject(new Error('none')); } }; }\nexport default { kvs: kvs };\n");
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it.each(fs.readdirSync(FIXTURES).filter((f) => f.endsWith('.js')))('%s: no finding, and njs runs it', (file) => {
    const code = fs.readFileSync(path.join(FIXTURES, file), 'utf8');
    expect(checkCloudFrontFunctionLanguage(code)).toEqual([]);
    expect(njsRuns(code, dir)).toEqual({ ok: true, output: '' });
  });

  it.each(BOTH_REFUSE)('%s: the checker reports it and njs refuses it', (body, feature) => {
    const code = wrap(body);
    expect(checkCloudFrontFunctionLanguage(code).map((f) => f.feature)).toContain(feature);
    const njs = njsRuns(code, dir);
    expect(njs.ok).toBe(false);
    expect(njs.output).toMatch(/SyntaxError/);
  });

  it.each([
    ["import { createHash } from 'crypto';\nfunction handler(event) { return event.request; }", CfFeature.importForm, /Non-default import is not supported/],
    ["import * as crypto from 'crypto';\nfunction handler(event) { return event.request; }", CfFeature.importForm, /Non-default import is not supported/],
    ['export function handler(event) { return event.request; }', CfFeature.exportDeclaration, /Illegal export statement/],
  ])('%s: the checker reports it and njs refuses it', (code, feature, message) => {
    expect(checkCloudFrontFunctionLanguage(code).map((f) => f.feature)).toEqual([feature]);
    expect(njsRuns(code, dir).output).toMatch(message);
  });

  it('for...of: njs says what CloudFront says', () => {
    expect(njsRuns(wrap(BOTH_REFUSE[0][0]), dir).output).toMatch(/SyntaxError: Token "of" not supported in this version/);
  });

  it.each(ONLY_THE_PAGE_REFUSES)('%s: not on the page, so reported, though njs 0.7.9 runs it', (body, feature) => {
    const code = wrap(body);
    expect(checkCloudFrontFunctionLanguage(code).map((f) => f.feature)).toContain(feature);
    expect(njsRuns(code, dir).ok).toBe(true);
  });

  it('njs has none of the built-ins the checker reports (Map, Set, WeakMap, Array.from, Object.fromEntries, Reflect, Proxy)', () => {
    const probe = "console.log([typeof Map, typeof Set, typeof WeakMap, typeof Array.from, typeof Object.fromEntries, typeof Reflect, typeof Proxy].join(','));";
    const r = spawnSync(NJS, ['-c', probe], { encoding: 'utf8' });
    expect(r.stdout.trim()).toBe('undefined,undefined,undefined,undefined,undefined,undefined,undefined');
  });
});
