/**
 * npm run events -- [options]
 *
 * Regenerates the committed sample Firehose events in events/ (no options), or writes one event file
 * with the options given, sealed with the local development key or, with --kms-key-id, a real KMS key.
 * See --help.
 */
import { runMain } from '../local/cli';
import { EVENTS_USAGE, planEvents, REQUEST_CAP_BYTES, writeEvents } from '../local/events-command';

runMain('events', async () => {
  const plan = planEvents(process.argv.slice(2));
  if (!plan) {
    process.stdout.write(EVENTS_USAGE);
    return;
  }
  for (const file of await writeEvents(plan)) {
    process.stdout.write(`wrote ${file.path}: ${file.records} records, ${file.malformed} malformed on purpose\n`);
    if (file.bytes > REQUEST_CAP_BYTES) {
      process.stderr.write(
        `note: ${(file.bytes / 1024 / 1024).toFixed(1)} MB is over the 6 MB a Firehose request (and a synchronous Lambda ` +
          'payload) can be: npm run invoke runs it, aws lambda invoke will refuse it. Use fewer --records.\n',
      );
    }
  }
  if (plan.kmsKeyId) {
    process.stdout.write(
      `Sealed with ${plan.kmsKeyId}. Try it on the deployed function:\n` +
        `  aws lambda invoke --function-name <transform function> --payload fileb://${plan.files[0]?.path} response.json\n`,
    );
  }
});
