// One temporary folder per jest run, shared by its workers and removed at the end. Test stacks
// synthesize into it (test/helpers/stacks.ts), so two runs on one machine (two checkouts, a
// developer beside CI) never write into each other's cloud assemblies.
const fs = require('fs');
const os = require('os');
const path = require('path');

module.exports.setup = async () => {
  process.env.TIERED_CDN_JEST_RUN_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'tiered-cdn-jest-'));
  // The suites start node some two hundred times (the CLI, synths, the cdk CLI, npm). Set here, in
  // jest's own process, so every worker and every child inherits it: node keeps the compiled code
  // of the modules they load on disk and reuses it, instead of compiling the same sources again in
  // every child. It lasts across runs, next to the CLI bundle (docs/benchmarks.md).
  process.env.NODE_COMPILE_CACHE ??= path.join(__dirname, '..', '..', 'node_modules', '.cache', 'tiered-cdn-jest', 'compile-cache');
  // The CLI, bundled once from the sources for the suites that run it (test/helpers/cli-bundle.js).
  process.env.TIERED_CDN_TEST_CLI = await require('./cli-bundle').buildCliBundle();
};

module.exports.teardown = async () => {
  const dir = process.env.TIERED_CDN_JEST_RUN_DIR;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  const cli = process.env.TIERED_CDN_TEST_CLI;
  if (cli) fs.rmSync(cli, { force: true });
};
