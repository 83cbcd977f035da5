// The linter in `npm test`: typescript-eslint's recommended rules without type information (tsc already
// type-checks; these catch what compiles but is wrong or dead). Import direction is dependency-cruiser's
// (.dependency-cruiser.cjs), which also refuses import cycles.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', '.local/', 'coverage/', 'bench-results/', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-console': 'off',
      eqeqeq: ['error', 'always'],
      'prefer-const': 'error',
    },
  },
  {
    // Tests read CloudFormation templates, whose shapes are whatever the resource type says.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Product code never prints: it logs through Powertools (IDs, counts and reasons only).
    files: ['lambda/**/*.ts', 'lib/**/*.ts'],
    rules: { 'no-console': 'error' },
  },
);
