/**
 * npm start
 *
 * Runs every sample Firehose event in events/ through the shipped handler (the same code path as
 * npm run invoke), against an S3-compatible server whose files live in .local/s3/ and a KMS endpoint
 * holding the local development key, both on loopback; then prints what happened per file and the
 * audit log's folders by command. No AWS account or credentials involved.
 */
import { parseOptions, runMain } from '../local/commands/cli';
import { formatStartReport, runStart, type StartProgress } from '../local/commands/start';

const USAGE = `Usage: npm start

Runs every sample Firehose event in events/ through the shipped handler, the way Firehose runs a batch,
against a local S3-compatible server (its files in .local/s3/, cleared first), a KMS endpoint holding the
LOCAL DEVELOPMENT KEY and an EventBridge endpoint receiving the alerts, all on loopback and gone when it
ends; then prints what happened per file, the audit log's folders by command, and the alerts raised.
No AWS account or credentials involved. The handler's logs go to .local/start.log.

Options:
  --help   show this help (and do nothing else)

Then: npm run browse, npm run query -- --list, npm run replay -- --local --dry-run
`;

// Taken before the handler runs: its output is captured while it runs, progress must still show.
const writeErr = process.stderr.write.bind(process.stderr);
const writeOut = process.stdout.write.bind(process.stdout);

runMain('start', async () => {
  // Options first: --help, or a mistyped option, must not clear .local/s3.
  const { values } = parseOptions(process.argv.slice(2), { help: { type: 'boolean' } }, 'start');
  if (values.help) {
    writeOut(USAGE);
    return;
  }
  writeOut(
    'das-firehose: the sample events in events/ through the real handler, on loopback: an S3-compatible server\n' +
      '(files in .local/s3/, cleared first), a KMS endpoint holding the LOCAL DEVELOPMENT KEY, and an EventBridge\n' +
      'endpoint receiving the alerts.\n\n',
  );
  const result = await runStart({ progress: progressReporter() });
  writeOut(`${formatStartReport(result).join('\n')}\n`);
  if (result.files.some((file) => file.error)) process.exitCode = 1;
});

/**
 * On a terminal, one line rewritten in place with the running file and its elapsed time; elsewhere
 * (CI, pipes) a line only when a file takes longer than a few seconds, so short runs stay quiet.
 */
function progressReporter(): (update: StartProgress) => void {
  const tty = Boolean(process.stderr.isTTY);
  let timer: NodeJS.Timeout | undefined;
  return (update) => {
    clearInterval(timer);
    if (update.phase === 'done') {
      if (tty) writeErr('\r\x1b[K');
      return;
    }
    const label = `[${update.index + 1}/${update.total}] ${update.file} (${update.records} records)`;
    const started = Date.now();
    if (tty) writeErr(`\r\x1b[K${label}`);
    timer = setInterval(
      () => {
        const seconds = Math.round((Date.now() - started) / 1000);
        if (tty) writeErr(`\r\x1b[K${label} ${seconds} s`);
        else writeErr(`${label}: still running, ${seconds} s\n`);
      },
      tty ? 250 : 5000,
    );
    timer.unref();
  };
}
