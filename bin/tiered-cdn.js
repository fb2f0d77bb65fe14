#!/usr/bin/env node
// The `tiered-cdn` command. A source checkout runs the TypeScript sources through tsx (no build
// step, and never a stale build); a published package, which ships no sources, runs the compiled CLI.
const fs = require('fs');
const path = require('path');
const source = path.join(__dirname, '..', 'tools', 'cli.ts');
if (fs.existsSync(source)) {
  require('tsx/cjs');
  require(source).main(process.argv);
} else {
  require(path.join(__dirname, '..', 'dist', 'tools', 'cli.js')).main(process.argv);
}
