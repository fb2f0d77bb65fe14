import * as fs from 'fs';
import * as path from 'path';
import type { DistributionModel } from './local/model';
import { CONTROL_HEADER } from './local/types';

/**
 * The "Try" list `npm start` prints: commands that run as written against the local edge and show
 * what each tier does. Where stickiness matters (the experiment on `/`), curl keeps its cookies in
 * a jar, so a second run is the same viewer: same variant, and a cache hit. test/local/start.test.ts
 * runs every line and checks what its comment promises.
 */
export function tryLines(model: DistributionModel, u: string, cloudfront?: { readonly endpoint: string; readonly distributionId: string }): string[] {
  const asset = largestAsset(model);
  return [
    `  curl -si -b demo.jar -c demo.jar ${u}/   # HTML from the site bucket: run twice, x-cache Miss then Hit (the jar keeps your variant)`,
    `  curl -s -b demo.jar ${u}/ | grep -o '<h1>.*</h1>'   # run it again: the jar's variant, every time`,
    ...experimentLines(model, u),
    ...(asset
      ? [
          `  curl -s --compressed -D - -o /dev/null ${u}${asset}   # static tier, cached a year as immutable; content-encoding: br`,
          `  curl -s -H 'Accept-Encoding: gzip' -D - -o /dev/null ${u}${asset}   # content-encoding: gzip for a client without br`,
        ]
      : []),
    `  curl -si ${u}/api/products   # api tier (s-maxage=60): run twice, Miss then Hit`,
    `  curl -si '${u}/api/products?utm_source=x'   # Hit: tracking parameters do not split the cache`,
    `  curl -si ${u}/api/me/profile   # dynamic tier, no token: 401 from the edge`,
    '  TOKEN=$(npx tiered-cdn token --sub alice)',
    `  curl -si -H "Authorization: Bearer $TOKEN" ${u}/api/me/profile   # 200: the API sees sub alice`,
    `  curl -si -H "Authorization: Bearer $TOKEN" ${u}/api/config/flags   # shared config: run twice, Miss then Hit (one copy for every user)`,
    ...(cloudfront
      ? [
          `  curl -si ${u}/api/categories/brewing   # CDN-Cache-Control: 300 s at the edge, browsers get max-age=60: run twice, Miss then Hit`,
          `  npx tiered-cdn invalidate --endpoint ${cloudfront.endpoint} --distribution ${cloudfront.distributionId} --tags product:p-200 --wait   # cache tag: every cached response that shows p-200`,
          `  curl -s -D - -o /dev/null ${u}/api/categories/brewing   # Miss: the listing showed p-200, the tag invalidated it`,
        ]
      : []),
    `  curl -s -H '${CONTROL_HEADER}: 1' ${u}/__tiered-cdn/stats   # hits, misses and origin fetches so far (control endpoints need this header)`,
  ];
}

function experimentLines(model: DistributionModel, u: string): string[] {
  return (model.plan?.experiments ?? []).flatMap((e) => {
    const p = e.pathPatterns.includes('*') ? '/' : e.pathPatterns[0].replace(/\*.*$/, '');
    return e.variants.map(
      (v) => `  curl -s --cookie '${e.cookie}=${v.name}' ${u}${p} | grep -o '<h1>.*</h1>'   # experiment ${e.name}: the ${v.name} page (${e.header} in the cache key)`,
    );
  });
}

/** The largest file of the site's assets folder: over 1,000 bytes, CloudFront compresses it. */
function largestAsset(model: DistributionModel): string | undefined {
  let best: { key: string; size: number } | undefined;
  for (const o of Object.values(model.origins)) {
    for (const c of o.s3Content) {
      for (const folder of c.folders) {
        const dir = path.join(folder, 'assets');
        if (!fs.existsSync(dir)) continue;
        for (const f of fs.readdirSync(dir)) {
          const size = fs.statSync(path.join(dir, f)).size;
          if (!best || size > best.size) best = { key: `/${c.keyPrefix}assets/${f}`, size };
        }
      }
    }
  }
  return best?.key;
}
