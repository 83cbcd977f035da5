/**
 * npm run local
 *
 * Starts the local S3-compatible server (files in .local/s3/, kept between runs), the KMS endpoint
 * holding the local development key, a Lambda endpoint hosting the replay function, an EventBridge
 * endpoint that prints the alerts it receives and an RDS endpoint holding example databases, in the
 * foreground, and prints the shell lines that point npm run invoke, browse, replay, doctor and the AWS SDK
 * at them. Ctrl-C stops them.
 */
import { join } from 'node:path';
import { parseOptions, runMain } from '../local/commands/cli';
import { DEV_KMS_KEY_ARN } from '../testkit/aws/dev-key';
import { EXAMPLE_DATABASES } from '../testkit/aws/rds-databases';
import { PROFILES } from '../testkit/das/das-synth';
import { LocalAws } from '../testkit/aws/local-aws';
import { LOCAL_NOTIFICATIONS, LOCAL_REPLAY_FUNCTION, localFunctions } from '../local/commands/local-functions';
import { shellExports } from '../testkit/aws/local-env';

const USAGE = `Usage: npm run local

Starts, in the foreground, the local AWS endpoints the commands and the AWS SDK can use instead of an
account: an S3-compatible server (files in .local/s3/, kept between runs), a KMS endpoint holding the
LOCAL DEVELOPMENT KEY, a Lambda endpoint hosting the replay function, an EventBridge endpoint that
prints the alerts it receives, and an RDS endpoint holding a few example databases (one per engine and
activity stream state). Prints the export lines to paste into another shell, so that npm run invoke,
browse --endpoint, replay, doctor and the SDK use them. Ctrl-C stops them.

Options:
  --help   show this help (and start nothing)
`;

runMain('local', async () => {
  const { values } = parseOptions(process.argv.slice(2), { help: { type: 'boolean' } }, 'local');
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const s3Directory = join('.local', 's3');
  const aws = await LocalAws.start({ s3Directory, functions: localFunctions(), notifications: LOCAL_NOTIFICATIONS });
  // Listening before the banner says Ctrl-C stops the servers, so that a Ctrl-C pressed as soon as it shows
  // is never the default one (which kills the process before it stops). Kept for the whole shutdown, not once:
  // Ctrl-C reaches this process twice (from the terminal's process group and relayed by tsx), and a second
  // signal with no listener would kill it before it has stopped.
  const stopRequested = new Promise<void>((resolve) => {
    process.on('SIGINT', () => resolve());
    process.on('SIGTERM', () => resolve());
  });
  process.stdout.write(
    [
      `Local S3 (s3rver) at ${aws.s3Endpoint}, bucket ${aws.bucket}, files in ${s3Directory}/${aws.bucket}/`,
      `Local KMS at ${aws.kms.endpoint}, holding the LOCAL DEVELOPMENT KEY ${DEV_KMS_KEY_ARN}`,
      `Local Lambda at ${aws.lambda.endpoint}, hosting the replay function ${LOCAL_REPLAY_FUNCTION}`,
      `Local EventBridge at ${aws.eventBridge.endpoint}, printing the alerts it receives here`,
      `Local RDS at ${aws.rds.endpoint}, holding the example databases ${EXAMPLE_DATABASES.map((database) => database.identifier).join(', ')}`,
      '',
      'In another shell, paste:',
      '',
      ...shellExports(aws.env).map((line) => `  ${line}`),
      '',
      'then, for example:',
      '',
      '  npm run invoke -- events/aurora-mysql.json',
      `  npm run replay -- --function ${LOCAL_REPLAY_FUNCTION} --dry-run`,
      '  npm run browse',
      `  npm run browse -- --bucket ${aws.bucket} --command QUERY --date 2026-11-21 --format table`,
      '  npm run doctor -- --all',
      `  npm run doctor -- --database ${EXAMPLE_DATABASES[0]?.identifier ?? 'orders-aurora-pg'}`,
      `  npm run events -- --kms-key-id ${DEV_KMS_KEY_ARN} --resource-id ${PROFILES['aurora-mysql'].resourceId} --engine aurora-mysql --out .local/events/through-kms.json`,
      '',
      'Ctrl-C stops the servers.',
      '',
    ].join('\n'),
  );
  aws.eventBridge.onEvent = ({ detail }) => {
    const who = [detail.dbUserName && `by ${String(detail.dbUserName)}`, detail.remoteHost && `from ${String(detail.remoteHost)}`].filter(Boolean).join(' ');
    process.stdout.write(`alert: ${String(detail.severity)} ${String(detail.rule)} on ${String(detail.resourceId)}: ${String(detail.command)} ${who} → ${String(detail.key)}\n`);
  };
  await stopRequested;
  const calls = (['Decrypt', 'GenerateDataKey', 'Encrypt'] as const).map((name) => `${name} ${aws.kms.calls(name)}`).join(', ');
  await aws.stop();
  process.stdout.write(`\nStopped. KMS requests served: ${calls}; alerts received: ${aws.eventBridge.events.length}. Objects stay in ${s3Directory}/${aws.bucket}/.\n`);
});
