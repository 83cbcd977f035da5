/**
 * npm run sizing -- [--events 5000000] [--days 7] [--runs 3] [--json] …
 *
 * Sizes the audit log's tables with DuckDB (issue 22): the layouts the project writes, the four questions
 * on each, and the goals. Progress goes to stderr; stdout carries the tables (or, with --json, the report).
 * Exits 1 when the layouts do not hold the same events or disagree on an answer. Not part of `npm test`.
 */
import { CommandError, helpRequested, runMain } from '../local/commands/cli';
import { parseSizingArgs, USAGE } from '../tools/sizing/options';
import { renderSizingReport } from '../tools/sizing/report';
import { runSizing } from '../tools/sizing/run';

runMain('sizing', async () => {
  const argv = process.argv.slice(2);
  if (helpRequested(argv)) {
    process.stdout.write(USAGE);
    return;
  }
  const options = parseSizingArgs(argv);
  const command = ['npm run sizing', ...(argv.length > 0 ? ['--', ...argv] : [])].join(' ');
  const report = await runSizing(options, command, (line) => process.stderr.write(`sizing: ${line}\n`));
  process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : renderSizingReport(report));
  if (!report.consistent) throw new CommandError(`the layouts disagree: ${report.inconsistencies.join('; ')}`);
});
