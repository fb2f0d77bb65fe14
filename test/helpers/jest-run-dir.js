// One temporary folder per jest run, shared by its workers and removed at the end. Test stacks
// synthesize into it (test/helpers/stacks.ts), so two runs on one machine (two checkouts, a
// developer beside CI) never write into each other's cloud assemblies.
const fs = require('fs');
const os = require('os');
const path = require('path');

module.exports.setup = async () => {
  process.env.TIERED_CDN_JEST_RUN_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'tiered-cdn-jest-'));
  // The CLI, bundled once from the sources for the suites that run it (test/helpers/cli-bundle.js).
  process.env.TIERED_CDN_TEST_CLI = await require('./cli-bundle').buildCliBundle();
};

module.exports.teardown = async () => {
  const dir = process.env.TIERED_CDN_JEST_RUN_DIR;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  const cli = process.env.TIERED_CDN_TEST_CLI;
  if (cli) fs.rmSync(cli, { force: true });
};
