import { checkDocs, formatResult } from '../../tools/docs/check-docs';

/**
 * Every ```console block of README.md and docs/ runs, in a scratch copy of the repository, and prints
 * what the doc shows (tools/docs/console-blocks.ts describes the notation). What `npm run docs:check` does.
 */
describe('the docs', () => {
  it('show every command that runs without an account with the output it really prints', async () => {
    const results = await checkDocs();
    expect(results.length).toBeGreaterThan(10);
    expect(results.filter((result) => !result.ok).map(formatResult)).toEqual([]);
  }, 20 * 60_000);
});
