import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ReferenceStack } from '../lib/reference-stack';
import { behaviorFor, cachePolicyOf, distributionConfig } from './helpers/stacks';

const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'tiered-cdn-ref-'));
const app = new App({ outdir });
const stack = new ReferenceStack(app, 'TieredCdnReference', { env: { region: 'us-east-1' } });
const template = Template.fromStack(stack);
const assembly = app.synth();

afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

/** Masks what changes with handler code or asset content, so the snapshot shows only real changes. */
export function normalizeTemplate(json: unknown): unknown {
  const text = JSON.stringify(json)
    .replace(/[0-9a-f]{64}(\.zip)?/g, (_m, zip) => `<asset-hash>${zip ?? ''}`)
    .replace(/CurrentVersion[0-9A-F]{8}[0-9a-f]{32}/g, 'CurrentVersion<code-hash>')
    .replace(/"aws:cdk:bundling[^"]*"/g, '"<bundling>"');
  return JSON.parse(text);
}

describe('reference stack', () => {
  test('has the five behaviors of the route table, most specific first', () => {
    const config = distributionConfig(template);
    expect(config.CacheBehaviors.map((b: any) => b.PathPattern)).toEqual(['/api/config/*', '/api/me/*', '/assets/*', '/api/*']);
    expect(config.DefaultCacheBehavior.TargetOriginId).toBe('site');
  });

  test('applies the tier policies to the routes', () => {
    expect(cachePolicyOf(template, '/assets/*')).toMatchObject({ MinTTL: 31536000, MaxTTL: 31536000 });
    expect(cachePolicyOf(template, '*')).toMatchObject({ MinTTL: 0, DefaultTTL: 60, MaxTTL: 60 });
    expect(cachePolicyOf(template, '/api/*')).toMatchObject({ MinTTL: 0, DefaultTTL: 0, MaxTTL: 86400 });
    expect(cachePolicyOf(template, '/api/config/*')).toMatchObject({ MinTTL: 0, DefaultTTL: 0 });
    expect(behaviorFor(template, '/api/me/*').CachePolicyId).toBe('4135ea2d-6df8-44a3-9df3-4b5a84be39ad');
  });

  test('has Origin Shield on every origin', () => {
    for (const origin of distributionConfig(template).Origins) {
      expect(origin.OriginShield).toEqual({ Enabled: true, OriginShieldRegion: 'us-east-1' });
    }
  });

  test('outputs the distribution id for the invalidate command', () => {
    template.hasOutput('DistributionId', {});
  });

  test('is clean under cdk-nag AwsSolutions, every acknowledgement carrying a reason', () => {
    const report = new AwsSolutionsChecks(app).validateScope(stack);
    expect(report.violations.map((v) => `${v.ruleName} ${v.violatingResources.map((r) => r.resourceLogicalId).join(',')}`)).toEqual([]);
    const acknowledged = collectAcknowledgements(stack);
    expect(acknowledged.length).toBeGreaterThan(0);
    for (const ack of acknowledged) expect(ack.reason.length).toBeGreaterThan(40);
  });

  test('cfn-lint reports no errors on the synthesized template', () => {
    const templateFile = path.join(assembly.directory, assembly.getStackByName('TieredCdnReference').templateFile);
    const lint = spawnSync('cfn-lint', ['--format', 'json', templateFile], { encoding: 'utf8' });
    if (lint.error) {
      throw new Error(`cfn-lint is not installed (${lint.error.message}). Install it with 'pip install cfn-lint' or Debian's 'cfn-lint' package.`);
    }
    const findings: Array<{ Level: string; Rule: { Id: string }; Message: string }> = JSON.parse(lint.stdout || '[]');
    expect(findings.filter((f) => f.Level === 'Error').map((f) => `${f.Rule.Id} ${f.Message}`)).toEqual([]);
  });

  test('matches the reviewed snapshot (asset and code hashes masked)', () => {
    expect(normalizeTemplate(template.toJSON())).toMatchSnapshot();
  });
});

function collectAcknowledgements(root: IConstruct): Array<{ id: string; reason: string }> {
  const out: Array<{ id: string; reason: string }> = [];
  for (const c of root.node.findAll()) {
    for (const m of c.node.metadata) {
      if (m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY && m.data && !Array.isArray(m.data)) {
        for (const [id, reason] of Object.entries(m.data as Record<string, string>)) out.push({ id, reason });
      }
    }
  }
  return out;
}
