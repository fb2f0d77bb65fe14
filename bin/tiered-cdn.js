#!/usr/bin/env node
// The `tiered-cdn` command. A published package runs the compiled CLI; a source checkout runs the
// TypeScript sources through tsx so that no build step is needed.
const fs = require('fs');
const path = require('path');
const compiled = path.join(__dirname, '..', 'dist', 'tools', 'cli.js');
if (fs.existsSync(compiled)) {
  require(compiled).main(process.argv);
} else {
  require('tsx/cjs');
  require(path.join(__dirname, '..', 'tools', 'cli.ts')).main(process.argv);
}
