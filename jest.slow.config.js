/**
 * The slow tier: the bundled-asset fuzz, the differential slice, spawned servers and CLIs (`npm run test:slow`).
 * npm runs it with NODE_OPTIONS=--experimental-vm-modules: the bundle (the AWS SDK's ES module builds) imports
 * node:http dynamically for the local, plain-http endpoints, which jest's module sandbox allows only with it.
 * @type {import('jest').Config}
 */
const base = require('./jest.base');

module.exports = { ...base, testMatch: ['**/*.slow.test.ts'], testTimeout: 300000 };
