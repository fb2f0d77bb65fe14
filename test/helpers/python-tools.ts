import { execFileSync } from 'child_process';

/**
 * cfn-lint and moto_server are Python tools that `npm` does not install. On a machine without them
 * the suites that need them are skipped (test/helpers/python-tools-reporter.js prints one line saying
 * which and how to install them); with TIERED_CDN_REQUIRE_PYTHON_TOOLS=1, which .ci/run and the CI
 * workflow set, a missing tool fails instead, so CI never skips them.
 */
export type PythonTool = 'cfn-lint' | 'moto_server';

export const REQUIRE_PYTHON_TOOLS_ENV = 'TIERED_CDN_REQUIRE_PYTHON_TOOLS';
export const PYTHON_TOOLS_INSTALL = "pip install cfn-lint 'moto[server]'";
/** Title prefix of a skipped suite or test; the reporter counts these. */
export const SKIPPED_PREFIX = '[needs ';

export function findPythonTool(tool: PythonTool): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

export function pythonToolsRequired(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[REQUIRE_PYTHON_TOOLS_ENV] === '1';
}

export function missingToolMessage(tool: PythonTool): string {
  return `${tool} is not on PATH and ${REQUIRE_PYTHON_TOOLS_ENV}=1 makes it mandatory: install it with ${PYTHON_TOOLS_INSTALL}`;
}

/** `describe` when the tool is there; skipped (and counted) when not; a failing test when required. */
export function describeWithTool(tool: PythonTool, title: string, body: (bin: string) => void): void {
  const bin = findPythonTool(tool);
  if (bin) return describe(title, () => body(bin));
  if (pythonToolsRequired()) {
    return describe(title, () => {
      test(`${tool} is installed`, () => {
        throw new Error(missingToolMessage(tool));
      });
    });
  }
  describe.skip(`${SKIPPED_PREFIX}${tool}] ${title}`, () => body(tool));
}

/** One test that needs the tool, gated like `describeWithTool`. */
export function testWithTool(tool: PythonTool, title: string, body: (bin: string) => unknown): void {
  const bin = findPythonTool(tool);
  if (bin) return test(title, async () => {
    await body(bin);
  });
  if (pythonToolsRequired()) {
    return test(title, () => {
      throw new Error(missingToolMessage(tool));
    });
  }
  test.skip(`${SKIPPED_PREFIX}${tool}] ${title}`, () => {});
}
