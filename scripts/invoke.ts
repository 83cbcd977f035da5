/**
 * npm run invoke -- <firehose-event.json>
 *
 * Runs the transformer, built from the environment exactly as the Lambda handler builds it (the SDK's
 * standard configuration: AWS_REGION, credentials, AWS_ENDPOINT_URL_KMS, AWS_ENDPOINT_URL_S3; plus
 * BUCKET_NAME and the transformer's settings), on an event file, then does Firehose's part (retries,
 * firehose/ok/, firehose/failed/). Prints only the response JSON on stdout; the transformer's logs go
 * to stderr. Exit 0 when it answered (ProcessingFailed records included), 2 for a usage problem, 1 when
 * every attempt failed (Firehose would put the batch in its error output, and so does this).
 */
import { S3Client } from '@aws-sdk/client-s3';
import { loadConfig } from '../lambda/config';
import { ConfigError } from '../lambda/core/shared/errors';
import { resourceIdFromStreamArn } from '../lambda/core/shared/resource';
import { runLikeFirehose } from '../testkit/aws/firehose-delivery';
import { parseOptions, runMain, settingsError, UsageError } from '../local/commands/cli';
import { serversDownMessage } from '../local/commands/servers-down';
import { invokeTransformer, readEventFile } from '../local/commands/invoke';
import { refuseMixedEndpoints, usesLocalS3 } from '../local/commands/local-endpoints';
import { loadLocalAllEvents } from '../local/query/local-load';

const USAGE = `Usage: npm run invoke -- <firehose-event.json> [--transform-only]

Runs the transformer on one Firehose data-transformation event file, with the SDK's standard
configuration and the transformer's settings from the environment (see npm run local for the lines that
point them at the local servers), the way Firehose does: a failed invocation is retried 3 times, then
the Ok records' receipts go under firehose/ok/ in BUCKET_NAME and the failed records to the error
output, firehose/failed/ (what npm run replay re-drives). Against npm run local's S3 server, it then
loads the all_events table of npm run query from events/ (what the account's scheduled load does).
The response JSON goes to stdout, the transformer's logs to stderr.
Add npm's --silent to keep npm's own banner out of stdout:

  npm run --silent invoke -- events/aurora-mysql.json > response.json

Options:
  --transform-only   run the transformer once, nothing else: no retries, nothing under firehose/
  --help             show this help
`;

// Everything the transformer and its libraries print goes to stderr; stdout carries the response alone.
const writeStdout = process.stdout.write.bind(process.stdout);
process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;

runMain('invoke', async () => {
  const { values, positionals } = parseOptions(
    process.argv.slice(2),
    { help: { type: 'boolean' }, 'transform-only': { type: 'boolean' } },
    'invoke',
    { positionals: true },
  );
  if (values.help) {
    writeStdout(USAGE);
    return;
  }
  if (positionals.length > 1) {
    throw new UsageError(`give one event file, not ${positionals.length} (${positionals.join(', ')})`);
  }
  // The transformer calls S3 and KMS (its alerts wait in the bucket; nothing calls EventBridge here).
  refuseMixedEndpoints(process.env, ['S3', 'KMS']);
  const event = await readEventFile(positionals[0]);
  if (values['transform-only']) {
    let outcome;
    try {
      outcome = await invokeTransformer(event);
    } catch (error) {
      if (error instanceof UsageError || serversDownMessage(error)) throw error;
      process.stderr.write(`invoke: the transformer failed, Firehose would retry this batch: ${describe(error)}\n`);
      process.exitCode = 1;
      return;
    }
    writeStdout(`${JSON.stringify(outcome.result, null, 2)}\n`);
    return;
  }

  // Settings first: a missing BUCKET_NAME is the user's to fix, not a failure for Firehose to retry.
  let bucket: string;
  try {
    bucket = loadConfig(process.env).bucketName;
  } catch (error) {
    if (error instanceof ConfigError) throw settingsError(error);
    throw error;
  }
  const s3 = new S3Client({ forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL_S3 || process.env.AWS_ENDPOINT_URL) });
  try {
    const resourceId = resourceIdFromStreamArn(event.sourceKinesisStreamArn) ?? process.env.RESOURCE_ID ?? 'unknown';
    const run = await runLikeFirehose({ s3, bucket, resourceId }, event, () => invokeTransformer(event));
    if (run.answer) writeStdout(`${JSON.stringify(run.answer.result, null, 2)}\n`);
    else {
      // KMS down while S3 answers: the batch went to the error output, as Firehose would, but the cause is ours to name.
      const down = serversDownMessage(run.error);
      process.stderr.write(`invoke: ${down ?? `the transformer failed ${run.attempts} times, as Firehose tries it: ${describe(run.error)}`}\n`);
      process.exitCode = 1;
    }
    if (run.ok) process.stderr.write(`invoke: as Firehose would, wrote the ${run.ok.records} Ok records to s3://${bucket}/${run.ok.key}\n`);
    if (run.failed) {
      process.stderr.write(
        `invoke: as Firehose would, wrote ${run.failed.records} failed records to its error output, s3://${bucket}/${run.failed.key} ` +
          '(npm run replay re-drives them once the cause is fixed)\n',
      );
    }
    if (!run.ok && !run.failed) process.stderr.write('invoke: no Ok or failed records, so Firehose would deliver nothing under firehose/\n');
    if (run.ok && usesLocalS3(process.env)) {
      const load = await loadLocalAllEvents(bucket, run.ok.key);
      if (load) process.stderr.write(`invoke: loaded all_events from events/: ${load.events} events in ${load.partitions} ${load.partitions === 1 ? 'partition' : 'partitions'} (npm run query)\n`);
    }
  } finally {
    s3.destroy();
  }
});

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
