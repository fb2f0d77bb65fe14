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
    // The consumer's own aws-cdk-lib and constructs are links to this checkout's copies, so the
    // test installs only what the tarball brings (copying aws-cdk-lib was most of its time).
    const manifest = JSON.parse(fs.readFileSync(path.join(project, 'package.json'), 'utf8'));
    for (const peer of ['aws-cdk-lib', 'constructs']) manifest.dependencies[peer] = `file:${path.join(ROOT, 'node_modules', peer)}`;
    delete manifest.dependencies['tiered-cdn'];
    fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify(manifest, null, 2));
    execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--install-links=false', tarball], {
      cwd: project,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(fs.lstatSync(path.join(project, 'node_modules', 'tiered-cdn')).isSymbolicLink()).toBe(false);

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
