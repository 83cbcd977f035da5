/** The slow tier: the bundled-asset fuzz, the differential slice, spawned servers and CLIs (`npm run test:slow`). @type {import('jest').Config} */
const base = require('./jest.base');

module.exports = { ...base, testMatch: ['**/*.slow.test.ts'], testTimeout: 300000 };
