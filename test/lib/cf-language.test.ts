import * as fs from 'fs';
import * as path from 'path';
import * as fc from 'fast-check';
import { CfFeature, type CfLanguageFinding, checkCloudFrontFunctionLanguage, formatCfLanguageFinding } from '../../lib/edge/cf-language';

/** The checker of the CloudFront Functions language ("JavaScript runtime 2.0 features"). */

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'cf-functions');
const check = (code: string, runtime?: string) => checkCloudFrontFunctionLanguage(code, runtime);
const features = (code: string, runtime?: string) => check(code, runtime).map((f) => f.feature);
const wrap = (body: string) => `function handler(event) {\n  ${body}\n  return event.request;\n}\n`;

describe('constructs outside the runtime 2.0 language', () => {
  const cases: Array<[string, string, string]> = [
    ['for...of', 'for (const h of event.list) { h; }', CfFeature.forOf],
    ['object destructuring', 'const { uri } = event.request;', CfFeature.destructuring],
    ['array destructuring', 'var [a, b] = event.list;', CfFeature.destructuring],
    ['destructuring assignment', 'var a, b; [a, b] = [b, a];', CfFeature.destructuring],
    ['destructuring parameter', 'var f = function ({ uri }) { return uri; };', CfFeature.destructuring],
    ['destructuring in catch', 'try { f(); } catch ({ message }) { message; }', CfFeature.destructuring],
    ['array spread', 'var a = [...event.list];', CfFeature.spreadArray],
    ['argument spread', 'Math.max(...event.list);', CfFeature.spreadCall],
    ['object spread', 'var h = { ...event.request.headers };', CfFeature.spreadObject],
    ['default parameter', 'var f = function (a = 1) { return a; };', CfFeature.defaultParameter],
    ['default parameter of an arrow', 'var f = (a = 1) => a;', CfFeature.defaultParameter],
    ['optional catch binding', 'try { f(); } catch { }', CfFeature.optionalCatchBinding],
    ['class declaration', 'class A {}', CfFeature.classes],
    ['class expression', 'var A = class {};', CfFeature.classes],
    ['generator', 'function* g() { yield 1; }', CfFeature.generator],
    ['async arrow', 'var f = async () => 1;', CfFeature.asyncArrow],
    ['async function expression', 'var f = async function () { return 1; };', CfFeature.asyncClosure],
    ['async method', 'var o = { async f() { return 1; } };', CfFeature.asyncMethod],
    ['optional chaining', 'var c = event.request.cookies?.id;', CfFeature.optionalChaining],
    ['optional call', 'event.f?.();', CfFeature.optionalChaining],
    ['nullish coalescing', 'var c = event.x ?? 1;', CfFeature.nullish],
    ['logical assignment', 'event.x ||= 1;', CfFeature.logicalAssignment],
    ['nullish assignment', 'event.x ??= 1;', CfFeature.logicalAssignment],
    ['shorthand property', 'var uri = 1; var o = { uri };', CfFeature.shorthandProperty],
    ['shorthand method', 'var o = { f() { return 1; } };', CfFeature.shorthandMethod],
    ['computed key', "var o = { ['x-' + 1]: 1 };", CfFeature.computedKey],
    ['tagged template', 'var t = String.raw`a${1}`;', CfFeature.taggedTemplate],
    ['BigInt', 'var n = 10n;', CfFeature.bigint],
    ['new.target', 'function F() { return new.target; }', CfFeature.newTarget],
    ['dynamic import', "import('crypto');", CfFeature.dynamicImport],
    ['debugger', 'debugger;', CfFeature.debuggerStatement],
  ];
  it.each(cases)('reports %s', (_name, body, feature) => {
    expect(features(wrap(body))).toContain(feature);
  });

  it.each([
    ['u', '/a/u'],
    ['s', '/a.b/s'],
    ['y', '/a/y'],
    ['d', '/a/d'],
  ])("reports the regular expression flag '%s'", (flag, literal) => {
    expect(features(wrap(`var r = ${literal};`))).toEqual([`${CfFeature.regexFlag} '${flag}'`]);
  });

  it('reports lookbehind, and not an escaped parenthesis that looks like one', () => {
    expect(features(wrap('var r = /(?<=\\/api)\\/v1/;'))).toEqual([CfFeature.regexLookbehind]);
    expect(features(wrap('var r = /(?<!x)y/;'))).toEqual([CfFeature.regexLookbehind]);
    expect(features(wrap('var r = /\\(?<=/;'))).toEqual([]);
  });

  it('reports top-level await, export and imports the runtime has not', () => {
    expect(features("import cf from 'cloudfront';\nawait cf.kvs().get('x');\nfunction handler(e) { return e.request; }")).toEqual([CfFeature.topLevelAwait]);
    expect(features('export function handler(e) { return e.request; }')).toEqual([CfFeature.exportDeclaration]);
    expect(features("import { createHash } from 'crypto';\nfunction handler(e) { return e.request; }")).toEqual([CfFeature.importForm]);
    expect(features("import * as crypto from 'crypto';\nfunction handler(e) { return e.request; }")).toEqual([CfFeature.importForm]);
    expect(features("import fs from 'fs';\nfunction handler(e) { return e.request; }")).toEqual([`${CfFeature.unknownModule} 'fs'`]);
  });

  it('reports every occurrence with its line, column and the source', () => {
    const code = "function handler(event) {\n  var n = 0;\n  for (const a of event.list) n++;\n  for (const b of event.list) n++;\n  try { n++; } catch {}\n  return event.request;\n}\n";
    const found = check(code);
    expect(found).toEqual<CfLanguageFinding[]>([
      { feature: 'for...of', kind: 'syntax', line: 3, column: 3, snippet: 'for (const a of event.list) n++;' },
      { feature: 'for...of', kind: 'syntax', line: 4, column: 3, snippet: 'for (const b of event.list) n++;' },
      { feature: 'optional catch binding', kind: 'syntax', line: 5, column: 16, snippet: 'catch {}' },
    ]);
    expect(formatCfLanguageFinding(found[0])).toBe('line 3, column 3: for...of (for (const a of event.list) n++;)');
  });

  it('cuts a long snippet to one line of at most 80 characters', () => {
    const [f] = check(wrap(`for (const a of [${'1, '.repeat(60)}1]) a;`));
    expect(f.snippet.length).toBeLessThanOrEqual(80);
    expect(f.snippet.endsWith('...')).toBe(true);
  });

  it('reports code that does not parse as one syntax error with its place', () => {
    expect(check('function handler(event) {\n  return event.request\n  +;\n}')).toEqual([
      expect.objectContaining({ feature: expect.stringMatching(/^syntax error: Unexpected token/), kind: 'syntax', line: 3, column: 4 }),
    ]);
  });

  it("reports `with` and octal literals as syntax errors: the runtime runs functions in strict mode", () => {
    expect(features(wrap('with (event) { request; }'))[0]).toMatch(/^syntax error/);
    expect(features(wrap('var n = 017;'))[0]).toMatch(/^syntax error/);
  });
});

describe('globals and built-ins the page does not list', () => {
  it.each(['Map', 'Set', 'WeakMap', 'WeakSet', 'WeakRef', 'Reflect', 'Proxy', 'structuredClone', 'fetch', 'setTimeout', 'setInterval', 'queueMicrotask', 'require', 'process', 'Intl', 'BigInt', 'atob', 'AggregateError'])(
    'reports %s',
    (name) => {
      const found = check(wrap(`var x = ${name};`));
      expect(found).toEqual([expect.objectContaining({ feature: name, kind: 'global', line: 2, column: 11 })]);
    },
  );

  it.each(['Array.from', 'Object.fromEntries', 'Object.hasOwn', 'Object.groupBy', 'Object.getOwnPropertySymbols', "Array['from']", 'JSON.rawJSON', 'Date.now2'])('reports %s', (expr) => {
    const feature = expr.replace(/\['(\w+)'\]/, '.$1').split('.').slice(0, 2).join('.');
    expect(features(wrap(`var x = ${expr};`))).toEqual([feature]);
  });

  it('leaves an undeclared name that no environment defines to the ReferenceError every engine throws', () => {
    expect(check(wrap('if (event.never) { __notDefinedAnywhere(1); }'))).toEqual([]);
  });

  it('reports eval and the Function constructor ("Restricted features")', () => {
    expect(features(wrap("eval('1');"))).toEqual([CfFeature.evalCall]);
    expect(features(wrap("var f = new Function('return 1');"))).toEqual([CfFeature.functionConstructor]);
    expect(features(wrap("var f = Function('return 1');"))).toEqual([CfFeature.functionConstructor]);
  });

  it('does not report a name the code declares itself, a property named like a global, or a typeof test', () => {
    const code = `function handler(event) {
      var Map = function () { return {}; };
      var m = new Map();
      var o = { Set: 1, fetch: 2 };
      var t = typeof WeakMap === 'undefined' ? o.Set : o.fetch;
      var s = event.request.Reflect;
      label: for (var i = 0; i < 1; i++) { break label; }
      return m && t && s && event.request;
    }`;
    expect(check(code)).toEqual([]);
  });
});

describe('what the page lists passes', () => {
  it.each(fs.readdirSync(FIXTURES).filter((f) => f.endsWith('.js')))('%s (modelled on the Developer Guide examples)', (file) => {
    expect(check(fs.readFileSync(path.join(FIXTURES, file), 'utf8'))).toEqual([]);
  });

  const allowed: Array<[string, string]> = [
    ['const and let', 'const a = 1; let b = a; b++;'],
    ['arrow functions', 'var f = (x) => x * 2; var g = x => { return x; };'],
    ['rest parameters', 'function f(a, ...rest) { return rest.length + a; } var g = (...r) => r;'],
    ['template literals, nested and multiline', 'var s = `a ${`b ${1}`}\n c`;'],
    ['exponentiation', 'var p = 2 ** 10; p **= 2;'],
    ['numeric separators', 'var n = 1_000_000;'],
    ['named capture groups', "var m = /(?<year>\\d{4})-(?<month>\\d{2})/.exec('2024-05'); var y = m.groups.year;"],
    ['regular expression flags g, i, m', 'var r = /a/gim;'],
    ['async function declarations and await, nested too', 'async function f() { return await Promise.resolve(1); } async function g() { async function h() { return 1; } return await h(); }'],
    ['getters and setters (ES 5.1)', 'var o = { get a() { return 1; }, set a(v) { v; } };'],
    ['labels, switch, do-while, for-in', "outer: for (var k in event) { switch (k) { case 'a': break outer; default: continue outer; } } do { } while (false);"],
    ['the listed Object methods', 'var o = Object.assign({}, Object.entries({}), Object.values({}), Object.keys({}), Object.freeze({}), Object.create(null), Object.getPrototypeOf({}), Object.is(1, 1));'],
    ['the listed Array, String and Number methods', "var a = Array.isArray([]) && Array.of(1); var s = String.fromCharCode(65) + 'x'.padStart(2) + 'x'.replaceAll('x', 'y'); var n = Number.isInteger(1) && Number.MAX_SAFE_INTEGER;"],
    ['Math, Date, JSON, Promise, Symbol, typed arrays, TextEncoder', "var x = Math.trunc(Date.now() / 1000) + JSON.stringify({}).length; var p = Promise.all([Promise.resolve(1)]); var u = new Uint8Array(2); var e = new TextEncoder().encode('x'); var sy = Symbol('s');"],
    ['globals and error types', "var g = globalThis; var d = decodeURIComponent(encodeURIComponent('a')) + parseInt('1', 10) + isNaN(1) + NaN + Infinity; var e = new TypeError('x'); var u = undefined;"],
    ['Buffer and console.log', "var b = Buffer.from('aGk=', 'base64').toString(); console.log(b);"],
    ['the crypto and querystring modules', "var h = __c.createHash('sha256').update('x').digest('hex');"],
  ];
  it.each(allowed)('%s', (_name, body) => {
    const code = body.includes('__c') ? `import __c from 'crypto';\nimport qs from 'querystring';\n${wrap(body)}` : wrap(body);
    expect(check(code)).toEqual([]);
  });

  it('the "Use async and await" page: async function declarations, await, then chains with an arrow, Promise combinators', () => {
    const code = 'async function base() { return 6 * 7; }\nasync function squared() { return base().then((v) => v * v); }\nasync function handler(event) {\n  let value = await squared();\n  const both = await Promise.all([base(), Promise.any([base()])]);\n  event.request.headers[\'x-answer\'] = { value: \'\' + value + both.length };\n  return event.request;\n}\n';
    expect(check(code)).toEqual([]);
  });

  it('the KeyValueStore example: import cf from cloudfront, cf.kvs(), await in an async handler', () => {
    const code = "import cf from 'cloudfront';\nconst kvsHandle = cf.kvs('a1b2c3d4-5678-90ab-cdef-EXAMPLE11111');\nasync function handler(event) {\n  let value = 'none';\n  try { value = await kvsHandle.get('k'); } catch (err) { console.log(`lookup failed: ${err}`); }\n  event.request.headers['x-value'] = { value: value };\n  return event.request;\n}\n";
    expect(check(code)).toEqual([]);
  });
});

describe('cloudfront-js-1.0', () => {
  it('reports let/const, async/await and import, which 1.0 does not have', () => {
    expect(features(wrap('const a = 1; let b = 2;'), 'cloudfront-js-1.0')).toEqual([CfFeature.letConst, CfFeature.letConst]);
    expect(features('async function handler(e) { return e.request; }', 'cloudfront-js-1.0')).toEqual([CfFeature.asyncAwait]);
    expect(features("import crypto from 'crypto';\nfunction handler(e) { return e.request; }", 'cloudfront-js-1.0')[0]).toMatch(/^import other than a default import/);
  });

  it('takes require and leaves out Buffer and TextEncoder', () => {
    expect(features("var crypto = require('crypto');\nfunction handler(e) { return e.request; }", 'cloudfront-js-1.0')).toEqual([]);
    expect(features(wrap("var b = Buffer.from('x');"), 'cloudfront-js-1.0')).toEqual(['Buffer']);
    expect(features(wrap("var b = Buffer.from('x');"))).toEqual([]);
  });

  it('shares the rest of the 2.0 rules (for...of, destructuring, Map)', () => {
    expect(features(wrap('for (var a of event.list) { a; } var m = new Map();'), 'cloudfront-js-1.0')).toEqual([CfFeature.forOf, 'Map']);
  });
});

describe('properties', () => {
  const ALLOWED = [
    'const a = 1; let b = a + 1;',
    'var f = (x) => x * 2;',
    'function g(first, ...rest) { return rest.length + first; }',
    'var s = `x ${1} y`;',
    'var p = 2 ** 8;',
    "var o = { 'k': 1, get v() { return 2; } };",
    "for (var k in event) { if (k === 'x') break; }",
    "try { JSON.parse('{'); } catch (e) { e.message; } finally { }",
    "var m = /(?<y>\\d+)/.exec('12');",
    'async function h() { return await Promise.resolve(1); }',
  ];
  const FORBIDDEN: Array<[string, string]> = [
    ['for (const x of event.list) { x; }', CfFeature.forOf],
    ['var { a } = event;', CfFeature.destructuring],
    ['var l = [...event.list];', CfFeature.spreadArray],
    ['try { f(); } catch { }', CfFeature.optionalCatchBinding],
    ['var q = event.x ?? 1;', CfFeature.nullish],
    ['var c = class {};', CfFeature.classes],
    ['var w = new WeakMap();', 'WeakMap'],
    ['var e = Object.fromEntries([]);', 'Object.fromEntries'],
  ];

  it('never throws, whatever the text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        const found = check(text);
        expect(Array.isArray(found)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('a program of allowed constructs has no finding; one forbidden construct anywhere in it is found on its line', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...ALLOWED), { maxLength: 8 }), fc.option(fc.constantFrom(...FORBIDDEN)), fc.nat(), (allowed, forbidden, at) => {
        // Each in a block of its own: the same `const` twice is a redeclaration.
        const lines = allowed.map((l) => `{ ${l} }`);
        const index = lines.length === 0 ? 0 : at % (lines.length + 1);
        if (forbidden) lines.splice(index, 0, forbidden[0]);
        const code = `function handler(event) {\n${lines.join('\n')}\nreturn event.request;\n}\n`;
        const found = check(code);
        if (!forbidden) expect(found).toEqual([]);
        else expect(found.map((f) => [f.feature, f.line])).toEqual([[forbidden[1], index + 2]]);
      }),
      { numRuns: 200 },
    );
  });
});
