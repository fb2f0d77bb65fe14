import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.join(__dirname, '..');
const CONSUMER = path.join(ROOT, 'examples', 'consumer');

/**
 * Packs the package as `npm publish` would, installs the tarball into a scratch project with the
 * consumer example, and synthesizes the consumer's own stack from it.
 */
describe('library use', () => {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'tiered-cdn-consumer-'));
  // `npm pack` builds dist/ in the checkout; leave the tree as it was.
  const hadDist = fs.existsSync(path.join(ROOT, 'dist'));
  afterAll(() => {
    fs.rmSync(scratch, { recursive: true, force: true });
    if (!hadDist) fs.rmSync(path.join(ROOT, 'dist'), { recursive: true, force: true });
  });

  test('a consumer stack installs the packed tarball and synthesizes with TieredCdn', () => {
    const packed = JSON.parse(
      execFileSync('npm', ['pack', '--json', '--pack-destination', scratch], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }),
    );
    const tarball = path.join(scratch, packed[0].filename);
    const files: string[] = packed[0].files.map((f: { path: string }) => f.path);
    expect(files).toContain('dist/lib/index.js');
    expect(files).toContain('dist/lambda-edge/viewer-request/entry.js');
    expect(files.some((f) => f.startsWith('test/') || f.startsWith('dist/test/'))).toBe(false);

    const project = path.join(scratch, 'consumer');
    fs.cpSync(CONSUMER, project, { recursive: true, filter: (src) => !src.includes('node_modules') && !src.includes('cdk.out') });
    const cdkLib = require(path.join(ROOT, 'node_modules', 'aws-cdk-lib', 'package.json')).version;
    execFileSync(
      'npm',
      ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball, `aws-cdk-lib@${cdkLib}`, 'constructs@10'],
      { cwd: project, stdio: ['ignore', 'pipe', 'pipe'] },
    );

    const outdir = path.join(project, 'cdk.out');
    execFileSync('node', ['app.js'], { cwd: project, env: { ...process.env, CDK_OUTDIR: outdir }, stdio: ['ignore', 'pipe', 'pipe'] });
    const template = JSON.parse(fs.readFileSync(path.join(outdir, 'ShopCdn.template.json'), 'utf8'));
    const dist = Object.values<any>(template.Resources).find((r) => r.Type === 'AWS::CloudFront::Distribution');
    const config = dist.Properties.DistributionConfig;
    expect(config.CacheBehaviors.map((b: any) => b.PathPattern)).toEqual(['/catalog/*', '/static/*', '/cart/*']);
    const catalog = config.Origins.find((o: any) => o.Id === 'catalog');
    expect(catalog.OriginShield).toEqual({ Enabled: true, OriginShieldRegion: 'eu-west-1' });
  });
});
