/** What both test tiers share (jest.config.js: npm test; jest.slow.config.js: npm run test:slow). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  // Type checking runs once, in `npm test` (tsc --noEmit); swc only strips types, which is what makes runs fast.
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } } }] },
  setupFiles: ['<rootDir>/test/support/quiet.ts'],
  globalSetup: '<rootDir>/test/support/global-setup.js',
  globalTeardown: '<rootDir>/test/support/global-teardown.js',
  testTimeout: 60000,
  cacheDirectory: '<rootDir>/node_modules/.cache/jest',
};
