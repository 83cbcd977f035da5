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
  // Every core: most files wait on loopback servers and the SDK's retries, so two workers on the two
  // cores of this project's machines take a run from about 150 s to about 90 s.
  maxWorkers: '100%',
  cacheDirectory: '<rootDir>/node_modules/.cache/jest',
};
