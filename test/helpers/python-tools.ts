import { execFileSync } from 'child_process';

/**
 * Tools the tests use that `npm` does not install: cfn-lint and moto_server (Python) and njs
 * (nginx's JavaScript engine, which runs the generated CloudFront Functions as an engine
 * independent of the local edge's). On a machine without one, the suites that need it are skipped
 * (test/helpers/python-tools-reporter.js prints one line saying which and how to install it); with
 * the tool's variable set to 1, which .ci/run and the CI workflow set, a missing tool fails instead,
 * so CI never skips them.
 */
export type TestTool = 'cfn-lint' | 'moto_server' | 'njs';
/** The Python tools among them. */
export type PythonTool = Extract<TestTool, 'cfn-lint' | 'moto_server'>;

export const REQUIRE_PYTHON_TOOLS_ENV = 'TIERED_CDN_REQUIRE_PYTHON_TOOLS';
export const PYTHON_TOOLS_INSTALL = "pip install cfn-lint 'moto[server]'";
export const REQUIRE_NJS_ENV = 'TIERED_CDN_REQUIRE_NJS';
/** Debian and Ubuntu package; njs.nginx.org lists the others. */
export const NJS_INSTALL = 'apt-get install -y njs';
/** Title prefix of a skipped suite or test; the reporter counts these. */
export const SKIPPED_PREFIX = '[needs ';

/** How each tool is installed and which variable makes it mandatory (the reporter keeps the same table). */
export const TOOL_GATES: Readonly<Record<TestTool, { readonly env: string; readonly install: string }>> = {
  'cfn-lint': { env: REQUIRE_PYTHON_TOOLS_ENV, install: PYTHON_TOOLS_INSTALL },
  moto_server: { env: REQUIRE_PYTHON_TOOLS_ENV, install: PYTHON_TOOLS_INSTALL },
  njs: { env: REQUIRE_NJS_ENV, install: NJS_INSTALL },
};

export function findTool(tool: TestTool): string | undefined {
  try {
    return execFileSync('/bin/sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

export function toolRequired(tool: TestTool, env: NodeJS.ProcessEnv = process.env): boolean {
  return env[TOOL_GATES[tool].env] === '1';
}

export function missingToolMessage(tool: TestTool): string {
  const { env, install } = TOOL_GATES[tool];
  return `${tool} is not on PATH and ${env}=1 makes it mandatory: install it with ${install}`;
}

/** `describe` when the tool is there; skipped (and counted) when not; a failing test when required. */
export function describeWithTool(tool: TestTool, title: string, body: (bin: string) => void): void {
  const bin = findTool(tool);
  if (bin) return describe(title, () => body(bin));
  if (toolRequired(tool)) {
    return describe(title, () => {
      test(`${tool} is installed`, () => {
        throw new Error(missingToolMessage(tool));
      });
    });
  }
  describe.skip(`${SKIPPED_PREFIX}${tool}] ${title}`, () => body(tool));
}

/** One test that needs the tool, gated like `describeWithTool`. */
export function testWithTool(tool: TestTool, title: string, body: (bin: string) => unknown): void {
  const bin = findTool(tool);
  if (bin) return test(title, async () => {
    await body(bin);
  });
  if (toolRequired(tool)) {
    return test(title, () => {
      throw new Error(missingToolMessage(tool));
    });
  }
  test.skip(`${SKIPPED_PREFIX}${tool}] ${title}`, () => {});
}
