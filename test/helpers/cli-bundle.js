// The `tiered-cdn` command bundled once per jest run from the TypeScript sources, for the suites that
// run it as a child process (test/tools/invalidate-moto-server.ts `runCli`). Starting it through tsx
// cost about 0.55 s of CPU per run (0.2 s bundled), and the suites run it some sixty times.
// `__dirname` and `__filename` keep the value each source file has, so files found next to the
// sources (package.json, lambda-edge/, site/) are found as from the sources. Packages stay external
// and resolve from the checkout's node_modules, which is why the bundle is written under it.
const fs = require('fs');
const path = require('path');

const ROOT = path.resolve(__dirname, '..', '..');

const keepSourcePaths = {
  name: 'keep-source-paths',
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, (args) => {
      if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
      const source = fs.readFileSync(args.path, 'utf8');
      const contents = source
        .replace(/\b__dirname\b/g, JSON.stringify(path.dirname(args.path)))
        .replace(/\b__filename\b/g, JSON.stringify(args.path));
      return { contents, loader: 'ts' };
    });
  },
};

/** Builds the bundle; returns its path. */
async function buildCliBundle() {
  const dir = path.join(ROOT, 'node_modules', '.cache', 'tiered-cdn-jest');
  fs.mkdirSync(dir, { recursive: true });
  const outfile = path.join(dir, `cli-${process.pid}-${Date.now()}.js`);
  await require('esbuild').build({
    entryPoints: [path.join(ROOT, 'tools', 'cli.ts')],
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    packages: 'external',
    outfile,
    plugins: [keepSourcePaths],
    logLevel: 'silent',
  });
  return outfile;
}

module.exports = { buildCliBundle };
