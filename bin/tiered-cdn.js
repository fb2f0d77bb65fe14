#!/usr/bin/env node
// The `tiered-cdn` command. A source checkout runs the TypeScript sources through tsx (no build
// step, and never a stale build); a published package, which ships no sources, runs the compiled CLI.
const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  // The floor in package.json "engines": Lambda@Edge runs the edge bundles on NODEJS_22_X, the local
  // edge runs them on this node, and node 20 is past its end of life.
  process.stderr.write(`tiered-cdn needs node 22 or newer, got: ${process.version}. Install node 22 LTS or newer.\n`);
  process.exit(1);
}
// node keeps the compiled code of the modules the CLI loads and reuses it on the next start (a
// tenth of the CPU time of a start, npm run bench:cli). The cache is in the operating system's
// temporary folder (os.tmpdir()/node-compile-cache) unless NODE_COMPILE_CACHE names another;
// NODE_DISABLE_COMPILE_CACHE=1 turns it off. Node 22.0 has no such cache: the CLI runs without it.
require('module').enableCompileCache?.();
const fs = require('fs');
const path = require('path');
const source = path.join(__dirname, '..', 'tools', 'cli.ts');
if (fs.existsSync(source)) {
  require('tsx/cjs');
  require(source).main(process.argv);
} else {
  require(path.join(__dirname, '..', 'dist', 'tools', 'cli.js')).main(process.argv);
}
