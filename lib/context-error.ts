import { EXAMPLE_DATABASE_ARN } from './database-context';

/** Missing or malformed context. The message names the keys and shows an example command. */
export class ContextError extends Error {
  constructor(problems: readonly string[]) {
    super(contextErrorMessage(problems));
    this.name = new.target.name;
  }
}

export const EXAMPLE_STREAM_ARN = 'arn:aws:kinesis:us-east-1:123456789012:stream/aws-rds-das-cluster-ABCDEFGHIJKL';
export const EXAMPLE_KEY_ARN = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

/** The whole message of a {@link ContextError}: the problems, then an example that works. */
export function contextErrorMessage(problems: readonly string[]): string {
  return [
    'das-firehose cannot synthesize: the CDK context is incomplete or malformed.',
    ...problems.map((problem) => `  - ${problem}`),
    '',
    'Name the database on the command line, for example:',
    `  npx cdk synth -c database=${EXAMPLE_DATABASE_ARN}`,
    'or give its activity stream and key yourself:',
    `  npx cdk synth -c dasStreamArn=${EXAMPLE_STREAM_ARN} -c kmsKeyArn=${EXAMPLE_KEY_ARN}`,
    'Several databases: comma-separated database, or comma-separated dasStreamArn and one kmsKeyArn for all or one per stream.',
    'Every context key is described in docs/configuration.md.',
  ].join('\n');
}
