/**
 * The test tiers. `npm test` runs this config: unit and integration tests (loopback endpoints, synth),
 * quiet, in a temporary folder of its own that is removed afterwards. The slow tier (bundle fuzz, the
 * differential slice, spawned servers and CLIs: files named `*.slow.test.ts`) is `npm run test:slow`,
 * which CI runs too (jest.slow.config.js).
 *
 * @type {import('jest').Config}
 */
const base = require('./jest.base');

module.exports = {
  ...base,
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '\\.slow\\.test\\.ts$'],
};
