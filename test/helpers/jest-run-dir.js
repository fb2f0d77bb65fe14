// One temporary folder per jest run, shared by its workers and removed at the end. Test stacks
// synthesize into it (test/helpers/stacks.ts), so two runs on one machine (two checkouts, a
// developer beside CI) never write into each other's cloud assemblies.
const fs = require('fs');
const os = require('os');
const path = require('path');

module.exports.setup = async () => {
  process.env.TIERED_CDN_JEST_RUN_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'tiered-cdn-jest-'));
};

module.exports.teardown = async () => {
  const dir = process.env.TIERED_CDN_JEST_RUN_DIR;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
};
