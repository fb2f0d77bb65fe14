import * as fs from 'fs';
import * as path from 'path';
import { parseImportSource } from './kvs';
import type { CloudFrontFunctionModel, FunctionEventType, KeyValueStoreModel } from './model';

/** CloudFront Functions and key value stores of a template, as `readDistribution` models them. */

type Json = any; // CloudFormation is untyped JSON; every read below is checked where it matters.

export interface StringResolver {
  str(v: Json): string;
}

export class FunctionAssemblyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AssemblyError';
  }
}

/** `FunctionAssociations` of one behavior: the function resources they point at. */
export function functionAssociations(assocs: Json, resources: Record<string, Json>, r: StringResolver, where: string): Partial<Record<FunctionEventType, CloudFrontFunctionModel>> {
  const out: Partial<Record<FunctionEventType, CloudFrontFunctionModel>> = {};
  for (const a of assocs ?? []) {
    const eventType = a.EventType as FunctionEventType;
    const arn = a.FunctionARN;
    const id: string | undefined = arn?.['Fn::GetAtt']?.[0] ?? arn?.Ref;
    const res = id ? resources[id] : undefined;
    if (!res || res.Type !== 'AWS::CloudFront::Function') {
      throw new FunctionAssemblyError(
        `${where}: the ${eventType} function ${JSON.stringify(arn)} is not an AWS::CloudFront::Function of the stack; the local edge runs only functions whose code is in the template`,
      );
    }
    const p = res.Properties ?? {};
    const keyValueStores = (p.FunctionConfig?.KeyValueStoreAssociations ?? []).map((k: Json) => {
      const ref = k.KeyValueStoreARN;
      return String(ref?.['Fn::GetAtt']?.[0] ?? ref?.Ref ?? r.str(ref));
    });
    const cdkPath = res.Metadata?.['aws:cdk:path'];
    out[eventType] = {
      eventType,
      name: id!,
      runtime: String(p.FunctionConfig?.Runtime ?? 'cloudfront-js-1.0'),
      code: r.str(p.FunctionCode ?? ''),
      keyValueStores,
      ...(typeof cdkPath === 'string' ? { path: cdkPath } : {}),
    };
  }
  return out;
}

/**
 * Every key value store of the stack with the data of its import source: the `asset.<hash>.json`
 * file cdk.out holds for `ImportSource.fromInline`/`fromAsset`, or `kvsFiles[store]` when given
 * (store = logical id or name).
 */
export function keyValueStores(appDir: string, resources: Record<string, Json>, r: StringResolver, kvsFiles: Readonly<Record<string, string>> = {}): Record<string, KeyValueStoreModel> {
  const out: Record<string, KeyValueStoreModel> = {};
  const used = new Set<string>();
  for (const [logicalId, res] of Object.entries<Json>(resources)) {
    if (res.Type !== 'AWS::CloudFront::KeyValueStore') continue;
    const name = res.Properties?.Name ? r.str(res.Properties.Name) : logicalId;
    const override = kvsFiles[logicalId] ?? kvsFiles[name];
    if (override) used.add(kvsFiles[logicalId] ? logicalId : name);
    let file = override;
    if (!file && res.Properties?.ImportSource?.SourceArn) {
      const key = r.str(res.Properties.ImportSource.SourceArn).split('/').pop() ?? '';
      const candidate = path.join(appDir, `asset.${key}`);
      if (fs.existsSync(candidate)) file = candidate;
    }
    const data = file ? parseImportSource(fs.readFileSync(file, 'utf8'), file) : [];
    const id = hexId(logicalId);
    out[logicalId] = { logicalId, name, id, arn: `arn:aws:cloudfront::123456789012:key-value-store/${id}`, data, source: file ?? 'no import source (empty)' };
  }
  const unknown = Object.keys(kvsFiles).filter((k) => !used.has(k));
  if (unknown.length) {
    const known = Object.values(out).map((s) => `${s.logicalId} (${s.name})`).join(', ') || 'none';
    throw new FunctionAssemblyError(`--kvs-file ${unknown.join(', ')}: no such key value store; stores: ${known}`);
  }
  return out;
}

/** A stable uuid-shaped id for a store, so ARNs in logs and `cf.kvs(id)` calls stay the same between runs. */
function hexId(seed: string): string {
  let h = 0x811c9dc5;
  const bytes: number[] = [];
  for (let i = 0; i < 16; i++) {
    for (const c of `${seed}/${i}`) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
    bytes.push(h & 0xff);
  }
  const hex = bytes.map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
