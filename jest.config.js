/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  setupFiles: ['<rootDir>/test/setup-env.ts'],
  // Many suites wait on child processes (synths, servers, the CLI): two workers keep both cores
  // busy (65 s instead of 107 s for the suite on a 2-core machine).
  maxWorkers: 2,
  testTimeout: 120000,
};
