// A jest reporter: after the run, one line per install command naming the tests skipped because a
// tool (cfn-lint, moto_server, njs) is not on PATH, and how to install it. Silent when nothing was
// skipped. The prefix, the install commands and the variables are those of test/helpers/python-tools.ts.
const PREFIX = '[needs ';
const GATES = {
  'cfn-lint': { env: 'TIERED_CDN_REQUIRE_PYTHON_TOOLS', install: "pip install cfn-lint 'moto[server]'" },
  moto_server: { env: 'TIERED_CDN_REQUIRE_PYTHON_TOOLS', install: "pip install cfn-lint 'moto[server]'" },
  njs: { env: 'TIERED_CDN_REQUIRE_NJS', install: 'apt-get install -y njs' },
};

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
    const byInstall = new Map(); // install command -> [env, [[tool, n]]]
    for (const [tool, n] of skipped) {
      const gate = GATES[tool] ?? { env: 'the tool variable', install: tool };
      if (!byInstall.has(gate.install)) byInstall.set(gate.install, [gate.env, []]);
      byInstall.get(gate.install)[1].push([tool, n]);
    }
    for (const [install, [env, counts]] of byInstall) {
      const what = counts.map(([tool, n]) => `${n} test${n === 1 ? '' : 's'} needing ${tool}`).join(' and ');
      process.stderr.write(`Skipped ${what} (not on PATH): install with ${install}; ${env}=1 (set by .ci/run) makes them fail instead.\n`);
    }
  }
}

module.exports = PythonToolsReporter;
