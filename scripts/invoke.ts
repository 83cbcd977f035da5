/**
 * npm run invoke -- <firehose-event.json>
 *
 * Runs the transformer, built from the environment exactly as the Lambda handler builds it (the SDK's
 * standard configuration: AWS_REGION, credentials, AWS_ENDPOINT_URL_KMS, AWS_ENDPOINT_URL_S3; plus
 * BUCKET_NAME and the transformer's settings), on an event file. Prints only the response JSON on
 * stdout; the transformer's logs go to stderr. Exit 0 when it answered (ProcessingFailed records
 * included), 2 for a usage problem, 1 when the invocation failed (Firehose would retry the batch).
 */
import { S3Client } from '@aws-sdk/client-s3';
import { parseOptions, runMain, UsageError } from '../local/commands/cli';
import { invokeTransformer, readEventFile } from '../local/commands/invoke';
import { deliverOkRecords } from '../local/aws/firehose-delivery';

const USAGE = `Usage: npm run invoke -- <firehose-event.json> [--transform-only]

Runs the transformer on one Firehose data-transformation event file, with the SDK's standard
configuration and the transformer's settings from the environment (see npm run local for the lines that
point them at the local servers), then does what Firehose does with the answer: writes the Ok records
under firehose/ok/ in BUCKET_NAME (what the events table of npm run query reads).
The response JSON goes to stdout, the transformer's logs to stderr.
Add npm's --silent to keep npm's own banner out of stdout:

  npm run --silent invoke -- events/aurora-mysql.json > response.json

Options:
  --transform-only   run the transformer only: no copy of the Ok records under firehose/ok/
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
    throw new UsageError(`give one event file, not ${positionals.length} (${positionals.join(', ')}). See npm run invoke -- --help`);
  }
  const event = await readEventFile(positionals[0]);
  let outcome;
  try {
    outcome = await invokeTransformer(event);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    process.stderr.write(`invoke: the transformer failed, Firehose would retry this batch: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}\n`);
    process.exitCode = 1;
    return;
  }
  writeStdout(`${JSON.stringify(outcome.result, null, 2)}\n`);
  if (values['transform-only']) return;
  // Firehose's part: the transformer has checked BUCKET_NAME already, so it is set here.
  const s3 = new S3Client({ forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL_S3 || process.env.AWS_ENDPOINT_URL) });
  try {
    const bucket = process.env.BUCKET_NAME as string;
    const delivery = await deliverOkRecords({ s3, bucket, resourceId: outcome.summary.resourceId }, event, outcome.result);
    process.stderr.write(
      delivery
        ? `invoke: as Firehose would, wrote the ${delivery.records} Ok records to s3://${bucket}/${delivery.key}\n`
        : 'invoke: no Ok records, so Firehose would deliver nothing under firehose/ok/\n',
    );
  } finally {
    s3.destroy();
  }
});
