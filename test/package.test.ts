import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ts from 'typescript';

const ROOT = path.join(__dirname, '..');
const CONSUMER = path.join(ROOT, 'examples', 'consumer');

/** The fenced blocks of one README section (up to its first subsection), in order, with their language. */
export function readmeBlocks(section: string): Array<{ lang: string; code: string }> {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf(`\n## ${section}\n`);
  if (start < 0) throw new Error(`README.md has no section '## ${section}'`);
  const end = readme.slice(start + 1).search(/\n##+ /);
  const text = readme.slice(start, end < 0 ? undefined : start + 1 + end);
  return [...text.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => ({ lang: m[1], code: m[2] }));
}

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): string {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * Declaration files (aws-cdk-lib's, the SDK's, node's) parsed once for both programs
 * of this file, the build and the type-check of the README's stack, as `tsc --build` shares them
 * between the projects of one build. Parsing them was most of each program's time.
 */
const declarations = new Map<string, ts.SourceFile>();

function compilerHost(options: ts.CompilerOptions): ts.CompilerHost {
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, target, onError, fresh) => {
    if (!fileName.endsWith('.d.ts')) return getSourceFile(fileName, target, onError, fresh);
    const key = typeof target === 'object' ? `${target.languageVersion}:${target.impliedNodeFormat}:${fileName}` : `${target}:${fileName}`;
    let file = declarations.get(key);
    if (!file || fresh) {
      file = getSourceFile(fileName, target, onError, fresh);
      if (file) declarations.set(key, file);
    }
    return file;
  };
  return host;
}

/** Compiles a tsconfig.json as `tsc -p` does (emitting unless it says noEmit); returns its errors, formatted. */
function tscProject(tsconfig: string): { errors: string; files: string[] } {
  const config = ts.getParsedCommandLineOfConfigFile(tsconfig, {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    },
  })!;
  const host = compilerHost(config.options);
  const program = ts.createProgram({ rootNames: config.fileNames, options: config.options, projectReferences: config.projectReferences, host });
  const errors = [...config.errors, ...ts.getPreEmitDiagnostics(program), ...program.emit().diagnostics];
  return { errors: ts.formatDiagnostics(errors, host), files: program.getSourceFiles().map((f) => f.fileName) };
}

/**
 * Packs the package as `npm publish` would, installs the tarball into a scratch project, and
 * synthesizes from it: the consumer example, and the stack file of README "Use it in your stack".
 */
describe('library use', () => {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'tiered-cdn-consumer-'));
  const project = path.join(scratch, 'consumer');
  // The build writes dist/ in the checkout, as `npm pack` does; leave the tree as it was.
  const hadDist = fs.existsSync(path.join(ROOT, 'dist'));
  let packed: { filename: string; files: Array<{ path: string }> };
  let built: string[];

  beforeAll(() => {
    // `npm run build` (the `prepack` script, checked below), compiled here so that the type-check
    // of the README's stack reuses its parsed declarations; then `npm pack` packs what it built.
    fs.rmSync(path.join(ROOT, 'dist'), { recursive: true, force: true });
    const build = tscProject(path.join(ROOT, 'tsconfig.build.json'));
    if (build.errors) throw new Error(`the build fails:\n${build.errors}`);
    built = build.files;
    packed = JSON.parse(run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', scratch], ROOT))[0];
    fs.cpSync(CONSUMER, project, { recursive: true, filter: (src) => !src.includes('node_modules') && !src.includes('cdk.out') });
    // The consumer's own aws-cdk-lib and constructs (and the README's dev tools) are links to this
    // checkout's copies, and so are the dependencies the package declares, so the test installs only
    // the tarball itself, offline (copying aws-cdk-lib, then the AWS SDK clients, was most of its
    // time; --ignore-scripts: a linked folder would run its own `prepare`, which acorn and hyparquet
    // point at their monorepo builds). It still proves the declared list complete: a module the package needs but does not
    // declare is linked nowhere, and the synth below fails to resolve it.
    const manifest = JSON.parse(fs.readFileSync(path.join(project, 'package.json'), 'utf8'));
    const declared = Object.keys(JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).dependencies ?? {});
    for (const dep of ['aws-cdk-lib', 'constructs', 'aws-cdk', 'tsx', '@types/node', ...declared]) manifest.dependencies[dep] = `file:${path.join(ROOT, 'node_modules', dep)}`;
    delete manifest.dependencies['tiered-cdn'];
    fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify(manifest, null, 2));
    run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--install-links=false', '--ignore-scripts', path.join(scratch, packed.filename)], project);
  });

  afterAll(() => {
    declarations.clear();
    fs.rmSync(scratch, { recursive: true, force: true });
    if (!hadDist) fs.rmSync(path.join(ROOT, 'dist'), { recursive: true, force: true });
  });

  test('`npm pack` builds first: prepack is `npm run build`, which compiles tsconfig.build.json into a fresh dist/ as above', () => {
    const scripts = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts;
    expect(scripts.prepack).toBe('npm run build');
    expect(scripts.build).toBe(`node -e "require('fs').rmSync('dist',{recursive:true,force:true})" && tsc -p tsconfig.build.json`);
  });

  test("the build reads only the aws-cdk-lib modules the package uses: core is imported as 'aws-cdk-lib/core'", () => {
    // aws-cdk-lib's root index declares every module of the library; importing `Stack` or `Duration`
    // from it made the build read 1.1 million lines of declarations instead of 0.45 million, and
    // take 40% more CPU (docs/benchmarks.md).
    const root = path.join(ROOT, 'node_modules', 'aws-cdk-lib', 'index.d.ts');
    expect(built.length).toBeGreaterThan(100);
    expect(built.filter((f) => path.resolve(f) === root)).toEqual([]);
  });

  test('the tarball holds the compiled library and edge entries, no tests, and installs as a real folder', () => {
    const files = packed.files.map((f) => f.path);
    expect(files).toContain('dist/lib/index.js');
    expect(files).toContain('dist/lambda-edge/viewer-request/entry.js');
    expect(files.some((f) => f.startsWith('test/') || f.startsWith('dist/test/'))).toBe(false);
    expect(fs.lstatSync(path.join(project, 'node_modules', 'tiered-cdn')).isSymbolicLink()).toBe(false);
  });

  test('a consumer stack installs the packed tarball and synthesizes with TieredCdn', () => {
    const outdir = path.join(project, 'cdk.out');
    run('node', ['app.js'], project, { CDK_OUTDIR: outdir });
    const template = JSON.parse(fs.readFileSync(path.join(outdir, 'ShopCdn.template.json'), 'utf8'));
    const dist = Object.values<any>(template.Resources).find((r) => r.Type === 'AWS::CloudFront::Distribution');
    const config = dist.Properties.DistributionConfig;
    expect(config.CacheBehaviors.map((b: any) => b.PathPattern)).toEqual(['/catalog/*', '/static/*', '/cart/*']);
    const catalog = config.Origins.find((o: any) => o.Id === 'catalog');
    expect(catalog.OriginShield).toEqual({ Enabled: true, OriginShieldRegion: 'eu-west-1' });
  });

  test('README "Use it in your stack": the install names the packed tarball; its stack file type-checks and synthesizes as written', () => {
    const blocks = readmeBlocks('Use it in your stack');
    const [install, jwks, app, synth] = blocks;
    expect(blocks.map((b) => b.lang)).toEqual(['sh', 'sh', 'ts', 'sh']);
    // The install commands: pack here, install that very file there (the registry installs of
    // aws-cdk-lib & co. are replaced by links above).
    expect(install.code).toContain('npm ci && npm pack');
    expect(install.code).toContain(`TGZ=$PWD/${packed.filename}\n`);
    expect(install.code).toMatch(/^npm install "\$TGZ" aws-cdk-lib constructs$/m);
    expect(install.code).toMatch(/^npm install --save-dev aws-cdk@[\d.]+ tsx typescript@~5\.9 @types\/node@22$/m);

    const dir = path.join(scratch, 'readme');
    fs.mkdirSync(dir);
    fs.symlinkSync(path.join(project, 'node_modules'), path.join(dir, 'node_modules'));
    fs.writeFileSync(path.join(dir, 'cdk-app.ts'), app.code);
    // The JWKS command as written, through the installed package's bin.
    for (const line of jwks.code.split('\n').map((l) => l.replace(/\s+#.*$/, '')).filter(Boolean)) {
      run('bash', ['-c', `set -eo pipefail; ${line}`], dir, { PATH: `${path.join(dir, 'node_modules', '.bin')}:${process.env.PATH}` });
    }
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'jwks.json'), 'utf8')).keys).toHaveLength(1);

    // Type-checks in a strict project of its own, against the installed package's declarations.
    fs.writeFileSync(
      path.join(dir, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'commonjs', strict: true, noEmit: true, skipLibCheck: true, types: ['node'] }, files: ['cdk-app.ts'] }),
    );
    expect(tscProject(path.join(dir, 'tsconfig.json')).errors).toBe('');

    // The synth command runs the app with tsx; test/local/readme-walkthrough.test.ts runs it as
    // written, against this checkout. Here the app runs the same way, from the installed package,
    // without the cdk CLI around it.
    expect(synth.code.trim()).toBe("npx cdk synth --app 'npx tsx cdk-app.ts' --quiet");
    run(process.execPath, ['--import', 'tsx', 'cdk-app.ts'], dir, { CDK_OUTDIR: path.join(dir, 'cdk.out') });

    expect(fs.readFileSync(path.join(dir, 'site', 'index.html'), 'utf8')).toContain('<title>Shop</title>');
    const template = JSON.parse(fs.readFileSync(path.join(dir, 'cdk.out', 'Shop.template.json'), 'utf8'));
    const dist = Object.values<any>(template.Resources).find((r) => r.Type === 'AWS::CloudFront::Distribution');
    const config = dist.Properties.DistributionConfig;
    expect(config.CacheBehaviors.map((b: any) => b.PathPattern)).toEqual(expect.arrayContaining(['/api/products/*', '/api/me/*', '/assets/*']));
    expect(Object.values<any>(template.Resources).some((r) => r.Type === 'AWS::WAFv2::WebACL')).toBe(true);
    expect(Object.values<any>(template.Resources).some((r) => r.Type === 'AWS::CloudWatch::Alarm')).toBe(true);
  });
});
