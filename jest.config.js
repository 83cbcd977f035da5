/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // Type checking runs once in `npm test` (tsc --noEmit); ts-jest only transpiles, which keeps runs fast.
  transform: { '^.+\\.ts$': 'ts-jest' },
  setupFiles: ['<rootDir>/test/support/quiet-sdk-warning.ts'],
  testTimeout: 60000,
};
