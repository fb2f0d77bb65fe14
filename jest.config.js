/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  // The default reporter, and one line naming what was skipped for want of cfn-lint or moto_server.
  reporters: ['default', '<rootDir>/test/helpers/python-tools-reporter.js'],
  setupFiles: ['<rootDir>/test/setup-env.ts'],
  globalSetup: '<rootDir>/test/helpers/jest-global-setup.js',
  globalTeardown: '<rootDir>/test/helpers/jest-global-teardown.js',
  // Many suites wait on child processes (synths, servers, git, npm, the CLI), so three workers keep
  // two cores busy. On a 2-core machine: 76 s against 84 s with two workers (back to back), and
  // 107 s with jest's default of one worker (docs/benchmarks.md).
  maxWorkers: 3,
  testTimeout: 120000,
};
