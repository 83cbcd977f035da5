/**
 * npm run events -- [options]
 *
 * Regenerates the committed sample Firehose events in events/ (no options), or writes one event file
 * with the options given, sealed with the local development key or, with --kms-key-id, a real KMS key.
 * See --help.
 */
import { DEV_KMS_KEY_ARN } from '../testkit/aws/dev-key';
import { runMain } from '../local/commands/cli';
import { EVENTS_USAGE, planEvents, writeEvents } from '../local/commands/events';

runMain('events', async () => {
  const plan = planEvents(process.argv.slice(2));
  if (!plan) {
    process.stdout.write(EVENTS_USAGE);
    return;
  }
  for (const file of await writeEvents(plan)) {
    process.stdout.write(`wrote ${file.path}: ${file.records} records, ${file.malformed} malformed on purpose\n`);
  }
  if (plan.kmsKeyId === DEV_KMS_KEY_ARN) {
    process.stdout.write(
      `Sealed through the KMS endpoint of npm run local, with the LOCAL DEVELOPMENT KEY. Run it there:\n` +
        `  npm run invoke -- ${plan.files[0]?.path}\n`,
    );
  } else if (plan.kmsKeyId) {
    process.stdout.write(
      `Sealed with ${plan.kmsKeyId}. Try it on the deployed function:\n` +
        `  aws lambda invoke --function-name <transform function> --payload fileb://${plan.files[0]?.path} response.json\n`,
    );
  }
});
