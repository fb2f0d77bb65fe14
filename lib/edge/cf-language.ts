import * as acorn from 'acorn';
import * as walk from 'acorn-walk';

/**
 * The language CloudFront Functions run, checked on a function's code with a JavaScript parser.
 *
 * CloudFront does not refuse code outside the language when a function is created or published:
 * the function fails on every request (`FunctionExecutionError`, 503, "SyntaxError: Token "of" not
 * supported in this version"). This module lists what the Developer Guide's "JavaScript runtime 2.0
 * features" page (and, for cloudfront-js-1.0, "JavaScript runtime 1.0 features") promises, and
 * reports every construct and global outside it. Pure: no I/O, shared by the construct at synth
 * time and by the tools (local edge, audit).
 *
 * Rule of the list: the page says "The following topics list all supported features in this
 * runtime"; what it does not list is reported, even where a close engine (njs) happens to run it.
 */

export type CloudFrontFunctionRuntime = 'cloudfront-js-1.0' | 'cloudfront-js-2.0';

/**
 * `syntax`: the runtime does not compile the code, so every request that runs the function fails.
 * `global`: a built-in the runtime lacks; the request fails where the code reaches it
 * (ReferenceError, or TypeError for a missing method), as a reference to any undefined name does.
 */
export type CfFindingKind = 'syntax' | 'global';

/** One construct outside the runtime's language. `line` and `column` are 1-based. */
export interface CfLanguageFinding {
  /** What the construct is, e.g. `for...of`, `destructuring`, `Map`, `Array.from`. */
  readonly feature: string;
  readonly kind: CfFindingKind;
  readonly line: number;
  readonly column: number;
  /** The start of the offending source (one line, at most 80 characters). */
  readonly snippet: string;
}

/** Feature names, stable for tests and tools. */
export const CfFeature = {
  forOf: 'for...of',
  forAwaitOf: 'for await...of',
  destructuring: 'destructuring',
  spreadArray: 'array spread',
  spreadCall: 'argument spread',
  spreadObject: 'object spread',
  defaultParameter: 'default parameter',
  optionalCatchBinding: 'optional catch binding',
  classes: 'class',
  generator: 'generator',
  asyncArrow: 'async arrow function',
  asyncClosure: 'async function expression',
  asyncMethod: 'async method',
  topLevelAwait: 'top-level await',
  optionalChaining: 'optional chaining (?.)',
  nullish: 'nullish coalescing (??)',
  logicalAssignment: 'logical assignment',
  shorthandProperty: 'shorthand property',
  shorthandMethod: 'shorthand method',
  computedKey: 'computed property key',
  taggedTemplate: 'tagged template',
  regexFlag: 'regular expression flag',
  regexLookbehind: 'regular expression lookbehind',
  bigint: 'BigInt literal',
  newTarget: 'new.target',
  importMeta: 'import.meta',
  dynamicImport: 'dynamic import()',
  importForm: 'import other than a default import',
  unknownModule: 'module',
  exportDeclaration: 'export',
  debuggerStatement: 'debugger statement',
  functionConstructor: 'Function constructor',
  evalCall: 'eval',
  letConst: 'let/const',
  asyncAwait: 'async/await',
  syntaxError: 'syntax error',
} as const;

/** Globals of cloudfront-js-2.0 ("Primitive objects", "Built-in objects", "Error types", "Globals"). */
export const CF_GLOBALS_20: ReadonlySet<string> = new Set([
  // Primitive and built-in objects the page lists; Promise's statics in CF_STATIC_MEMBERS.
  'Object', 'Array', 'String', 'Number', 'Boolean', 'Math', 'Date', 'JSON', 'RegExp', 'Function', 'Promise', 'Symbol',
  // "Typed arrays" and ArrayBuffer.
  'ArrayBuffer', 'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array', 'Float32Array', 'Float64Array',
  // "Text encoder" / "Text decoder".
  'TextEncoder', 'TextDecoder',
  // "Error types".
  'Error', 'EvalError', 'InternalError', 'MemoryError', 'RangeError', 'ReferenceError', 'SyntaxError', 'TypeError', 'URIError',
  // "Globals": globalThis, the ES 5.1 global functions and constants.
  'globalThis', 'decodeURI', 'decodeURIComponent', 'encodeURI', 'encodeURIComponent', 'isFinite', 'isNaN', 'parseFloat', 'parseInt', 'NaN', 'Infinity', 'undefined', 'arguments',
  // Logging ("console.log()" in the function examples and "Logs" of the restrictions page).
  'console',
  // "Buffer": the page documents the Buffer methods on the `Buffer` object (2.0 only).
  'Buffer',
]);

/** cloudfront-js-1.0: no Buffer, no TextEncoder/Decoder; modules through `require`. */
export const CF_GLOBALS_10: ReadonlySet<string> = new Set([...[...CF_GLOBALS_20].filter((g) => !['Buffer', 'TextEncoder', 'TextDecoder'].includes(g)), 'require']);

/**
 * Globals of other JavaScript environments (the ECMAScript built-ins, Node, browsers) a function
 * might reach for. A reference to one the runtime lacks is reported; any other undeclared name is a
 * plain ReferenceError where it is reached, in every engine, and not a question of the language.
 */
const KNOWN_GLOBALS = new Set([
  // ECMAScript built-ins beyond the page's list.
  'AggregateError', 'Atomics', 'BigInt', 'BigInt64Array', 'BigUint64Array', 'DataView', 'FinalizationRegistry', 'Float16Array', 'Intl', 'Iterator', 'Map', 'Proxy', 'Reflect', 'Set',
  'SharedArrayBuffer', 'WeakMap', 'WeakRef', 'WeakSet', 'WebAssembly', 'escape', 'unescape', 'DisposableStack', 'AsyncDisposableStack', 'SuppressedError', 'Temporal',
  // Node.js.
  'process', 'require', 'module', 'exports', '__dirname', '__filename', 'global', 'setImmediate', 'clearImmediate', 'performance',
  // Web platform, also in Node.
  // Not `crypto`: functions import it, and the "Use async and await" page speaks of WebCrypto functions.
  'fetch', 'setTimeout', 'setInterval', 'clearTimeout', 'clearInterval', 'queueMicrotask', 'structuredClone', 'atob', 'btoa', 'URL', 'URLSearchParams',
  'Headers', 'Request', 'Response', 'AbortController', 'AbortSignal', 'Blob', 'FormData', 'WebSocket', 'XMLHttpRequest', 'EventTarget', 'Event', 'navigator', 'location',
  'window', 'self', 'document', 'localStorage', 'sessionStorage', 'caches', 'Buffer', 'TextEncoder', 'TextDecoder',
]);

/** Static members the page lists, for the objects whose members it lists one by one. */
export const CF_STATIC_MEMBERS: Readonly<Record<string, ReadonlySet<string>>> = {
  // "Object": the ES 5.1 methods, ES 6 assign/is/setPrototypeOf, ES 8 entries/values. No fromEntries, hasOwn, groupBy.
  Object: new Set(['create', 'defineProperties', 'defineProperty', 'freeze', 'getOwnPropertyDescriptor', 'getOwnPropertyDescriptors', 'getOwnPropertyNames', 'getPrototypeOf', 'isExtensible', 'isFrozen', 'isSealed', 'keys', 'preventExtensions', 'seal', 'assign', 'is', 'setPrototypeOf', 'entries', 'values', 'prototype']),
  // "Array": ES 5.1 isArray, ES 6 of. No Array.from.
  Array: new Set(['isArray', 'of', 'prototype']),
  // "String": ES 5.1 fromCharCode, ES 6 fromCodePoint.
  String: new Set(['fromCharCode', 'fromCodePoint', 'prototype']),
  // "Number": the ES 6 methods and constants.
  Number: new Set(['isFinite', 'isInteger', 'isNaN', 'isSafeInteger', 'parseFloat', 'parseInt', 'EPSILON', 'MAX_SAFE_INTEGER', 'MAX_VALUE', 'MIN_SAFE_INTEGER', 'MIN_VALUE', 'NaN', 'NEGATIVE_INFINITY', 'POSITIVE_INFINITY', 'prototype']),
  // "Date": the ES 5.1 features.
  Date: new Set(['now', 'parse', 'UTC', 'prototype']),
  // "JSON": parse and stringify.
  JSON: new Set(['parse', 'stringify']),
  // "Promise": the "Use async and await" page names Promise.all and Promise.any (with its memory
  // warning) and then/catch chains; the built-in objects section could not be read here in full, so
  // the ES 2015 statics are kept and what no page we could read names (allSettled, withResolvers, try)
  // counts as missing: a function refused locally is cheaper than one answering 503 after deploy.
  Promise: new Set(['all', 'any', 'race', 'resolve', 'reject', 'prototype']),
};

/** The modules a function may import ("Built-in modules"; `cloudfront` from the helper-methods pages). */
const MODULES_20 = new Set(['cloudfront', 'crypto', 'querystring', 'buffer']);

const MAX_SNIPPET = 80;

type Node = acorn.AnyNode;

interface Walk {
  readonly code: string;
  readonly runtime: CloudFrontFunctionRuntime;
  readonly declared: ReadonlySet<string>;
  readonly findings: CfLanguageFinding[];
}

/**
 * Every construct of `code` outside the language of `runtime`, in source order. Code that does not
 * parse at all gives one `syntax error` finding. Unknown runtimes are checked as cloudfront-js-2.0.
 */
export function checkCloudFrontFunctionLanguage(code: string, runtime: string = 'cloudfront-js-2.0'): CfLanguageFinding[] {
  const rt: CloudFrontFunctionRuntime = runtime === 'cloudfront-js-1.0' ? 'cloudfront-js-1.0' : 'cloudfront-js-2.0';
  // The same code is checked again and again: at synth for each stack that holds it, and by the local
  // edge for each sandbox it loads. The check is pure, so a recent answer is reused (as copies: each caller owns what it gets).
  const key = `${rt}\0${code}`;
  const known = RECENT_CHECKS.get(key);
  if (known) return known.map((f) => ({ ...f }));
  const findings = check(code, rt);
  if (RECENT_CHECKS.size >= MAX_RECENT_CHECKS) RECENT_CHECKS.delete(RECENT_CHECKS.keys().next().value!);
  RECENT_CHECKS.set(key, findings.map((f) => ({ ...f })));
  return findings;
}

/** Code checked lately (runtime and code) and what was found, oldest first. */
const RECENT_CHECKS = new Map<string, readonly CfLanguageFinding[]>();
/** A few stacks' worth of functions (75 behaviors at most per distribution). */
const MAX_RECENT_CHECKS = 100;

function check(code: string, rt: CloudFrontFunctionRuntime): CfLanguageFinding[] {
  let program: acorn.Program;
  try {
    // A module: the runtime takes `import cf from 'cloudfront'`, and runs functions in strict mode ("Strict mode").
    program = acorn.parse(code, { ecmaVersion: 'latest', sourceType: 'module', locations: true });
  } catch (e) {
    const loc = (e as { loc?: { line: number; column: number } }).loc ?? { line: 1, column: 0 };
    const message = e instanceof Error ? e.message.replace(/ \(\d+:\d+\)$/, '') : String(e);
    return [{ feature: `${CfFeature.syntaxError}: ${message}`, kind: 'syntax', line: loc.line, column: loc.column + 1, snippet: lineAt(code, loc.line, loc.column) }];
  }
  const w: Walk = { code, runtime: rt, declared: declaredNames(program), findings: [] };
  walk.fullAncestor(program, (node, _state, ancestors, type) => visit(w, node, ancestors, type));
  return w.findings.sort((a, b) => a.line - b.line || a.column - b.column);
}

/** One line per finding: `line:column feature: snippet`. */
export function formatCfLanguageFinding(f: CfLanguageFinding): string {
  return `line ${f.line}, column ${f.column}: ${f.feature} (${f.snippet})`;
}

function lineAt(code: string, line: number, column: number): string {
  const text = code.split('\n')[line - 1] ?? '';
  return text.slice(column, column + MAX_SNIPPET).trim();
}

function report(w: Walk, node: Node, feature: string, kind: CfFindingKind = 'syntax'): void {
  const loc = node.loc!.start;
  const text = w.code.slice(node.start, node.end).split('\n')[0];
  w.findings.push({ feature, kind, line: loc.line, column: loc.column + 1, snippet: text.length > MAX_SNIPPET ? `${text.slice(0, MAX_SNIPPET - 3)}...` : text });
}

/** Every name the code binds anywhere: a global it shadows is the code's own, not the runtime's. */
function declaredNames(program: acorn.Program): Set<string> {
  const names = new Set<string>();
  walk.full(program, (node, _st, type) => {
    if (type === 'VariablePattern' && node.type === 'Identifier') names.add(node.name);
    if (node.type === 'ImportDefaultSpecifier' || node.type === 'ImportNamespaceSpecifier' || node.type === 'ImportSpecifier') names.add(node.local.name);
  });
  return names;
}

const isPattern = (n: Node) => n.type === 'ObjectPattern' || n.type === 'ArrayPattern';
const isFunction = (n: Node) => n.type === 'FunctionDeclaration' || n.type === 'FunctionExpression' || n.type === 'ArrowFunctionExpression';

function visit(w: Walk, node: Node, ancestors: Node[], type: string): void {
  const parent = ancestors[ancestors.length - 2];
  const inPattern = ancestors.slice(0, -1).some(isPattern);
  switch (node.type) {
    case 'ForOfStatement':
      // "Statements" lists for and for-in, not for-of.
      return report(w, node, node.await ? CfFeature.forAwaitOf : CfFeature.forOf);
    case 'ObjectPattern':
    case 'ArrayPattern':
      // Not among the ES 6 features the page lists (const, let, arrow functions, rest parameters, template literals).
      if (!inPattern) report(w, node, CfFeature.destructuring);
      return;
    case 'SpreadElement':
      // "Functions" lists rest *parameter* syntax only; spread is not listed.
      return report(w, node, parent?.type === 'ObjectExpression' ? CfFeature.spreadObject : parent?.type === 'ArrayExpression' ? CfFeature.spreadArray : CfFeature.spreadCall);
    case 'AssignmentPattern':
      // Default parameters are not listed under "Functions"; inside a pattern the pattern is reported.
      if (!inPattern) report(w, node, CfFeature.defaultParameter);
      return;
    case 'CatchClause':
      // ES 2019 optional catch binding is not listed; "catch" is the ES 5.1 statement.
      if (!node.param) report(w, node, CfFeature.optionalCatchBinding);
      return;
    case 'ClassDeclaration':
    case 'ClassExpression':
      // Classes are not listed.
      return report(w, node, CfFeature.classes);
    case 'FunctionDeclaration':
    case 'FunctionExpression':
    case 'ArrowFunctionExpression':
      return visitFunction(w, node, parent);
    case 'AwaitExpression':
      // "await can be used inside async functions only."
      if (!ancestors.slice(0, -1).some(isFunction)) report(w, node, CfFeature.topLevelAwait);
      return;
    default:
      return visitExpression(w, node, ancestors, type);
  }
}

function visitFunction(w: Walk, node: acorn.FunctionDeclaration | acorn.FunctionExpression | acorn.ArrowFunctionExpression | acorn.AnonymousFunctionDeclaration, parent: Node | undefined): void {
  // Generators are not listed.
  if (node.generator) report(w, node, CfFeature.generator);
  if (!node.async) return;
  // cloudfront-js-1.0 lists no async/await; 2.0: "async arguments and closures are not supported."
  if (w.runtime === 'cloudfront-js-1.0') return report(w, node, CfFeature.asyncAwait);
  if (node.type === 'ArrowFunctionExpression') return report(w, node, CfFeature.asyncArrow);
  if (node.type === 'FunctionExpression') {
    const method = parent?.type === 'Property' && (parent.method || parent.kind !== 'init');
    report(w, method ? parent : node, method ? CfFeature.asyncMethod : CfFeature.asyncClosure);
  }
}

function visitExpression(w: Walk, node: Node, ancestors: Node[], type: string): void {
  const parent = ancestors[ancestors.length - 2];
  switch (node.type) {
    case 'ChainExpression':
      return report(w, node, CfFeature.optionalChaining);
    case 'LogicalExpression':
      // "All ES 5.1 operators" and ES 7 `**`; `??` is ES 2020.
      if (node.operator === '??') report(w, node, CfFeature.nullish);
      return;
    case 'AssignmentExpression':
      if (node.operator === '??=' || node.operator === '||=' || node.operator === '&&=') report(w, node, CfFeature.logicalAssignment);
      return;
    case 'Property':
      if (parent?.type !== 'ObjectExpression') return;
      // ES 6 object literal extensions are not listed; getters and setters are ES 5.1.
      if (node.computed) report(w, node, CfFeature.computedKey);
      if (node.method && !(node.value as acorn.FunctionExpression).async) report(w, node, CfFeature.shorthandMethod);
      else if (node.shorthand) report(w, node, CfFeature.shorthandProperty);
      return;
    case 'TaggedTemplateExpression':
      // "Literals" lists multiline strings, interpolation and nesting; not tags.
      return report(w, node, CfFeature.taggedTemplate);
    case 'Literal':
      return visitLiteral(w, node);
    case 'MetaProperty':
      return report(w, node, node.meta.name === 'new' ? CfFeature.newTarget : CfFeature.importMeta);
    case 'ImportExpression':
      return report(w, node, CfFeature.dynamicImport);
    case 'ImportDeclaration':
      return visitImport(w, node);
    case 'ExportNamedDeclaration':
    case 'ExportDefaultDeclaration':
    case 'ExportAllDeclaration':
      // The runtime calls a top-level `handler`; modules export nothing.
      return report(w, node, CfFeature.exportDeclaration);
    case 'DebuggerStatement':
      // Not among the ES 5.1 statements the page lists.
      return report(w, node, CfFeature.debuggerStatement);
    case 'VariableDeclaration':
      // "The const and let statements are not supported" (runtime 1.0).
      if (w.runtime === 'cloudfront-js-1.0' && node.kind !== 'var') report(w, node, CfFeature.letConst);
      return;
    case 'NewExpression':
    case 'CallExpression':
      // "Restricted features": dynamic code evaluation (eval, the Function constructor) is not available.
      if (node.callee.type === 'Identifier' && node.callee.name === 'Function' && !w.declared.has('Function')) report(w, node, CfFeature.functionConstructor, 'global');
      return;
    case 'MemberExpression':
      return visitMember(w, node);
    case 'Identifier':
      if (type === 'Identifier') visitGlobal(w, node, parent);
      return;
    default:
      return;
  }
}

function visitLiteral(w: Walk, node: acorn.Literal): void {
  if (typeof node.bigint === 'string') return report(w, node, CfFeature.bigint);
  const re = (node as acorn.Literal & { regex?: { pattern: string; flags: string } }).regex;
  if (!re) return;
  // "Regular expressions": the ES 5.1 language (flags g, i, m) plus ES 9 named capture groups.
  const extra = re.flags.replace(/[gim]/g, '');
  if (extra) report(w, node, `${CfFeature.regexFlag} '${extra}'`);
  if (/(^|[^\\])(\\\\)*\(\?<[=!]/.test(re.pattern)) report(w, node, CfFeature.regexLookbehind);
}

function visitImport(w: Walk, node: acorn.ImportDeclaration): void {
  // cloudfront-js-1.0 loads modules with require() only.
  if (w.runtime === 'cloudfront-js-1.0') return report(w, node, `${CfFeature.importForm} (cloudfront-js-1.0 uses require)`);
  const mod = String(node.source.value);
  // An unknown module fails when the code loads (every request), as a missing built-in does where it is reached.
  if (!MODULES_20.has(mod)) report(w, node, `${CfFeature.unknownModule} '${mod}'`, 'global');
  // The page's examples import a default binding: `import cf from 'cloudfront'`, `import crypto from 'crypto'`.
  if (node.specifiers.length !== 1 || node.specifiers[0].type !== 'ImportDefaultSpecifier') report(w, node, CfFeature.importForm);
}

function visitMember(w: Walk, node: acorn.MemberExpression): void {
  if (node.object.type !== 'Identifier' || w.declared.has(node.object.name)) return;
  const allowed = CF_STATIC_MEMBERS[node.object.name];
  if (!allowed) return;
  const name = !node.computed && node.property.type === 'Identifier' ? node.property.name : node.property.type === 'Literal' && typeof node.property.value === 'string' ? node.property.value : undefined;
  if (name !== undefined && !allowed.has(name)) report(w, node, `${node.object.name}.${name}`, 'global');
}

function visitGlobal(w: Walk, node: acorn.Identifier, parent: Node | undefined): void {
  const name = node.name;
  if (w.declared.has(name)) return;
  // `typeof X` never throws: a feature test is not a use.
  if (parent?.type === 'UnaryExpression' && parent.operator === 'typeof') return;
  const globals = w.runtime === 'cloudfront-js-1.0' ? CF_GLOBALS_10 : CF_GLOBALS_20;
  if (name === 'eval') return report(w, node, CfFeature.evalCall, 'global');
  if (!globals.has(name) && KNOWN_GLOBALS.has(name)) report(w, node, name, 'global');
}
