// A jest reporter: after the run, one line naming the tests skipped because a Python tool
// (cfn-lint, moto_server) is not on PATH, and how to install it. Silent when nothing was skipped.
// The prefix and the install command are those of test/helpers/python-tools.ts.
const PREFIX = '[needs ';
const INSTALL = "pip install cfn-lint 'moto[server]'";

class PythonToolsReporter {
  onRunComplete(_contexts, results) {
    const skipped = new Map(); // tool -> number of tests
    for (const file of results.testResults) {
      for (const t of file.testResults) {
        if (t.status !== 'pending') continue;
        const title = [...t.ancestorTitles, t.title].find((s) => s.startsWith(PREFIX));
        if (!title) continue;
        const tool = title.slice(PREFIX.length, title.indexOf(']'));
        skipped.set(tool, (skipped.get(tool) ?? 0) + 1);
      }
    }
    if (skipped.size === 0) return;
    const what = [...skipped].map(([tool, n]) => `${n} test${n === 1 ? '' : 's'} needing ${tool}`).join(' and ');
    process.stderr.write(
      `Skipped ${what} (not on PATH): install with ${INSTALL}; TIERED_CDN_REQUIRE_PYTHON_TOOLS=1 (set by .ci/run) makes them fail instead.\n`,
    );
  }
}

module.exports = PythonToolsReporter;
