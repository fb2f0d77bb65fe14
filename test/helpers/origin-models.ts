/**
 * Models of how lenient origins read a request path: each a pure function from the path as the
 * viewer sent it (no query string) to the path of the resource that kind of origin serves. The
 * path guard is tested against them (test/lambda-edge/path-guard-origins.test.ts, and through the
 * local edge in test/local/path-guard-origins.test.ts): whatever any model, or a proxy model in
 * front of an application model, reads as a protected resource must be refused by the edge or
 * routed through the protected behavior.
 *
 * The models are deliberately generous (an origin does at most what its model does), and each
 * names where the behaviour comes from.
 */

export interface OriginModel {
  readonly name: string;
  /** Where the modelled behaviour is documented. */
  readonly source: string;
  /** The resource path this kind of origin serves for the raw path. */
  readonly read: (path: string) => string;
  /** Whether the origin compares the result with its routes ignoring (ASCII) case. */
  readonly ignoreCase?: boolean;
  /** For a chain: the proxy model and the application model behind it (`read` is theirs composed). */
  readonly chain?: readonly [OriginModel, OriginModel];
}

/** Decodes `%XX` escapes once, as bytes, then as UTF-8 where valid (latin-1 for stray bytes). */
export function decodeOnce(path: string): string {
  return path.replace(/(?:%[0-9a-fA-F]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run.replace(/%([0-9a-fA-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
    }
  });
}

/** RFC 3986 section 5.2.4 remove_dot_segments, as URL parsers and most servers apply it. */
export function removeDotSegments(path: string): string {
  const out: string[] = [];
  const segments = path.split('/');
  for (let i = 1; i < segments.length; i++) {
    const s = segments[i];
    if (s === '.') {
      if (i === segments.length - 1) out.push('');
    } else if (s === '..') {
      out.pop();
      if (i === segments.length - 1) out.push('');
    } else out.push(s);
  }
  return `/${out.join('/')}`;
}

const mergeSlashes = (path: string): string => path.replace(/\/{2,}/g, '/');
/** Drops `;params` from every segment (Servlet path parameters, `;jsessionid=...`). */
const stripPathParameters = (path: string): string => path.replace(/;[^/]*/g, '');
const cutAtQueryOrFragment = (path: string): string => path.replace(/[?#].*$/s, '');
/** The four non-ASCII letters whose case mapping is ASCII, then ASCII lower case. */
const foldCase = (path: string): string => path.replace(/[\u0130\u0131]/g, 'i').replace(/\u017f/g, 's').replace(/\u212a/g, 'k').toLowerCase();
const lowerAscii = (path: string): string => path.replace(/[A-Z]/g, (c) => c.toLowerCase());
/** Drops the extension of the last segment: a handler for `/x` also serves `/x.json`, `/x.a.b`. */
const dropLastExtension = (path: string): string => path.replace(/^(.*\/[^/.]*)\.[^/]*$/, '$1');
/** Drops the extension of every segment (a router reading `:id.:format` anywhere). */
const dropEveryExtension = (path: string): string => path.replace(/([^/.])\.[^/]*/g, '$1');
/** Windows file names: trailing dots and spaces of each segment are ignored. */
const trimSegmentEnds = (path: string): string => path.replace(/[. ]+(?=\/|$)/g, (m, offset: number, whole: string) => (offset > 0 && whole.charAt(offset - 1) !== '/' ? '' : m));

export const ORIGIN_MODELS: readonly OriginModel[] = [
  {
    name: 'spring-suffix',
    source: 'Spring MVC suffix pattern matching (RequestMappingInfo useSuffixPatternMatch, default true before 5.3): /x also maps /x.*; UrlPathHelper decodes and removes ;content',
    read: (p) => dropLastExtension(removeDotSegments(stripPathParameters(decodeOnce(p)))),
  },
  {
    name: 'format-every-segment',
    source: 'routers with a format parameter on any segment (Rails `(.:format)`, Express `/:id.:format`): /x.json/y read as /x/y',
    read: (p) => dropEveryExtension(removeDotSegments(decodeOnce(p))),
  },
  {
    name: 'tomcat-behind-nginx',
    source: 'nginx decodes and normalizes the URI it proxies (ngx_http_core_module merge_slashes, proxy_pass with a URI part); Tomcat then strips ;path parameters of each segment (CoyoteAdapter parsePathParameters) and normalizes',
    read: (p) => removeDotSegments(mergeSlashes(stripPathParameters(removeDotSegments(mergeSlashes(decodeOnce(p)))))),
  },
  {
    name: 'decode-twice',
    source: 'a decoding proxy in front of an application that decodes again (OWASP: double encoding; IIS allowDoubleEscaping)',
    read: (p) => removeDotSegments(decodeOnce(decodeOnce(p))),
  },
  {
    name: 'nginx-merge-slashes',
    source: 'nginx merge_slashes on (the default), with URI decoding and dot-segment resolution (ngx_http_parse_complex_uri)',
    read: (p) => removeDotSegments(mergeSlashes(decodeOnce(p))),
  },
  {
    name: 'case-insensitive',
    source: 'IIS and other Windows file-system origins, and routers configured case-insensitive (ASP.NET routing, Spring AntPathMatcher setCaseSensitive(false))',
    read: (p) => lowerAscii(removeDotSegments(decodeOnce(p))),
    ignoreCase: true,
  },
  {
    name: 'iis-trailing-dot-space',
    source: 'Windows file names ignore trailing dots and spaces (Win32 path normalization, "Naming Files, Paths, and Namespaces"), so IIS serves /x./ as /x/',
    read: (p) => lowerAscii(trimSegmentEnds(removeDotSegments(decodeOnce(p)))),
    ignoreCase: true,
  },
  {
    name: 'iis-backslash',
    source: 'IIS and Windows treat \\ as a path separator (and a decoded %5C too)',
    read: (p) => lowerAscii(removeDotSegments(mergeSlashes(decodeOnce(p).replace(/\\/g, '/')))),
    ignoreCase: true,
  },
  {
    name: 'dot-segments',
    source: 'RFC 3986 5.2.4 remove_dot_segments after decoding (WHATWG URL parsers also treat %2e as .)',
    read: (p) => removeDotSegments(decodeOnce(p)),
  },
  {
    name: 'unicode-case-fold',
    source: "Java String.equalsIgnoreCase and .NET OrdinalIgnoreCase: U+0130/U+0131 match i, U+017F matches s, U+212A matches k",
    read: (p) => foldCase(removeDotSegments(decodeOnce(p))),
    ignoreCase: true,
  },
  {
    name: 'reparse-after-decode',
    source: 'a proxy that decodes the path and an origin that parses the result as a URL again: a decoded ? or # ends the path (CVE-2021-40438-style rewrites, Apache mod_rewrite without B flag)',
    read: (p) => removeDotSegments(cutAtQueryOrFragment(decodeOnce(p))),
  },
];

/** A proxy model in front of an application model: the application reads what the proxy forwards. */
export function chained(front: OriginModel, back: OriginModel): OriginModel {
  return {
    name: `${front.name} -> ${back.name}`,
    source: `${front.source}; then ${back.source}`,
    read: (p) => back.read(front.read(p)),
    ignoreCase: front.ignoreCase || back.ignoreCase,
    chain: [front, back],
  };
}

/** Every model alone and every ordered pair of them. */
export const ORIGIN_CHAINS: readonly OriginModel[] = [...ORIGIN_MODELS, ...ORIGIN_MODELS.flatMap((a) => ORIGIN_MODELS.map((b) => chained(a, b)))];

/** A model that threw on its input (reads nothing). */
const UNREADABLE: unique symbol = Symbol('unreadable');

/**
 * The models (alone or chained) that read `path` as a resource matching one of `patterns`, with what they read.
 * The 121 chains share their 11 proxy readings, and many readings are the same string: each model
 * reads each string once and each reading is matched once per call (the models are pure functions),
 * which makes a property's thousands of paths several times cheaper to judge.
 */
export function protectedReadings(path: string, patterns: readonly string[], match: (pattern: string, path: string) => boolean, models: readonly OriginModel[] = ORIGIN_CHAINS): Array<{ model: string; read: string; pattern: string }> {
  const readings = new Map<OriginModel, Map<string, string | typeof UNREADABLE>>();
  const readBy = (m: OriginModel, input: string): string | typeof UNREADABLE => {
    let seen = readings.get(m);
    if (!seen) readings.set(m, (seen = new Map()));
    let out = seen.get(input);
    if (out === undefined) {
      if (m.chain) {
        const forwarded = readBy(m.chain[0], input);
        out = forwarded === UNREADABLE ? UNREADABLE : readBy(m.chain[1], forwarded);
      } else {
        try {
          out = m.read(input);
        } catch {
          out = UNREADABLE;
        }
      }
      seen.set(input, out);
    }
    return out;
  };
  const matched = new Map<string, string | null>();
  const firstMatch = (read: string, ignoreCase: boolean): string | null => {
    const key = `${ignoreCase ? 'i' : 's'}${read}`;
    let out = matched.get(key);
    if (out === undefined) {
      out = patterns.find((pattern) => match(pattern, read) || (ignoreCase && match(lowerAscii(pattern), lowerAscii(read)))) ?? null;
      matched.set(key, out);
    }
    return out;
  };
  const found: Array<{ model: string; read: string; pattern: string }> = [];
  for (const m of models) {
    const read = readBy(m, path);
    if (read === UNREADABLE) continue;
    const pattern = firstMatch(read, m.ignoreCase === true);
    if (pattern !== null) found.push({ model: m.name, read, pattern });
  }
  return found;
}
