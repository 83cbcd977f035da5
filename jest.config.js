/**
 * The test tiers. `npm test` runs this config: unit and integration tests (loopback endpoints, synth),
 * quiet, in a temporary folder of its own that is removed afterwards. The slow tier (bundle fuzz, the
 * differential slice, spawned servers and CLIs: files named `*.slow.test.ts`) is `npm run test:slow`,
 * which CI runs too (jest.slow.config.js).
 *
 * @type {import('jest').Config}
 */
const base = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  // Type checking runs once, in `npm test` (tsc --noEmit); swc only strips types, which is what makes runs fast.
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } } }] },
  setupFiles: ['<rootDir>/test/support/quiet-sdk-warning.ts'],
  globalSetup: '<rootDir>/test/support/global-setup.js',
  globalTeardown: '<rootDir>/test/support/global-teardown.js',
  testTimeout: 60000,
  cacheDirectory: '<rootDir>/node_modules/.cache/jest',
};

module.exports = {
  ...base,
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '\\.slow\\.test\\.ts$'],
};
module.exports.base = base;
