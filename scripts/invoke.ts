/**
 * npm run invoke -- <firehose-event.json>
 *
 * Runs the transformer's Lambda handler on an event file with the SDK's standard configuration
 * (AWS_REGION, credentials, AWS_ENDPOINT_URL_KMS, AWS_ENDPOINT_URL_S3) plus BUCKET_NAME and the
 * transformer's settings. Prints only the response JSON on stdout; logs go to stderr.
 * Exit 0 when the handler returned (ProcessingFailed records included), 2 for a usage problem,
 * 1 when the invocation failed (Firehose would retry the batch).
 */
import { invokeHandler, readEventFile, UsageError } from '../local/invoke';

// Lambda runs Node 22+; on an older local Node the AWS SDK's support warning would bury the handler's logs.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

async function main(): Promise<number> {
  // Everything the handler and its libraries print goes to stderr; stdout carries the response alone.
  const writeStdout = process.stdout.write.bind(process.stdout);
  process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;
  try {
    const event = await readEventFile(process.argv[2]);
    const response = await invokeHandler(event);
    writeStdout(`${JSON.stringify(response, null, 2)}\n`);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`invoke: ${error.message}\n`);
      return 2;
    }
    process.stderr.write(`invoke: the handler failed, Firehose would retry this batch: ${describe(error)}\n`);
    return 1;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

main().then((code) => {
  process.exitCode = code;
});
