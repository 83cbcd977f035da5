import { Duration, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import * as defaults from '../defaults';
import type { DasFirehosePipelineProps } from './props';
import { bundledFunction, decryptStatements, functionRoleAndLogs, nagArnOf } from './transform-function';
import type { ResolvedSource } from './resolved';

/** The replay function as the pipeline has it. */
export interface ReplayFunction {
  readonly function: lambda.IFunction;
  readonly role: iam.IRole;
}

/**
 * The function `npm run replay -- --function <name>` runs the re-drive in: the transformer's code and
 * settings, with a role of its own. Whoever re-drives needs only `lambda:InvokeFunction` on it; the
 * function may decrypt each database's records under that database's encryption context (as the
 * transformer may), and in the bucket only:
 * - list and read the error output and delete what it has replayed in full (`firehose/failed/`);
 * - read the batch journal (`journal/`), to rebuild a failed batch exactly;
 * - write events and remove those of a replayed batch that fails (`events/`, as the transformer does);
 * - write its marks (`firehose/replayed/`) and the Ok copy Firehose would have written (`firehose/ok/`);
 * - move error output whose records fail for good to `firehose/unreplayable/` (a copy there, then the delete above).
 */
export function replayFunction(
  scope: Construct,
  props: DasFirehosePipelineProps,
  sources: readonly ResolvedSource[],
  bucket: s3.IBucket,
  environment: Record<string, string>,
): ReplayFunction {
  const { logGroup, role } = functionRoleAndLogs(scope, props, {
    logGroupId: 'ReplayLogGroup',
    roleId: 'ReplayRole',
    description: 'DAS replay: re-drives firehose/failed/ through the transformer into events/',
  });
  const objects = (prefix: string) => bucket.arnForObjects(`${prefix}*`);
  const statements = [
    new iam.PolicyStatement({
      sid: 'ListErrorOutputJournalAndMarks',
      actions: ['s3:ListBucket'],
      resources: [bucket.bucketArn],
      // Marks are listed before they are read: S3 answers a missing key with 403 to a role that cannot list it.
      conditions: { StringLike: { 's3:prefix': [`${defaults.FIREHOSE_FAILED_ROOT}*`, `${defaults.JOURNAL_PREFIX}*`, `${defaults.FIREHOSE_REPLAYED_ROOT}*`] } },
    }),
    new iam.PolicyStatement({
      sid: 'ReadAndRetireErrorOutput',
      actions: ['s3:GetObject', 's3:DeleteObject'],
      resources: [objects(defaults.FIREHOSE_FAILED_ROOT)],
    }),
    new iam.PolicyStatement({ sid: 'ReadJournal', actions: ['s3:GetObject'], resources: [objects(defaults.JOURNAL_PREFIX)] }),
    new iam.PolicyStatement({ sid: 'WriteEvents', actions: ['s3:PutObject', 's3:DeleteObject'], resources: [objects(defaults.EVENTS_PREFIX)] }),
    new iam.PolicyStatement({
      sid: 'MarkReplayed',
      actions: ['s3:GetObject', 's3:PutObject'],
      resources: [objects(defaults.FIREHOSE_REPLAYED_ROOT)],
    }),
    new iam.PolicyStatement({ sid: 'WriteOkCopy', actions: ['s3:PutObject'], resources: [objects(defaults.FIREHOSE_OK_ROOT)] }),
    new iam.PolicyStatement({ sid: 'SetAsideUnreplayable', actions: ['s3:PutObject'], resources: [objects(defaults.FIREHOSE_UNREPLAYABLE_ROOT)] }),
    ...decryptStatements(sources),
  ];
  for (const statement of statements) role.addToPrincipalPolicy(statement);
  bucket.encryptionKey?.grantEncryptDecrypt(role);
  const why: Record<string, string> = {
    [defaults.FIREHOSE_FAILED_ROOT]: 'Firehose names its error output objects itself; the re-drive reads each and deletes the ones it replayed in full.',
    [defaults.JOURNAL_PREFIX]: 'The re-drive reads the journal entries of the hours a failed record was retried in, named after their batches.',
    [defaults.EVENTS_PREFIX]: 'Replayed events go to events/ under keys derived from the records, as the transformer writes them.',
    [defaults.FIREHOSE_REPLAYED_ROOT]: 'One mark object per replayed error output object, at the same path below firehose/replayed/.',
    [defaults.FIREHOSE_OK_ROOT]: 'The Ok copy of a replayed batch goes where Firehose would have delivered it, named after the batch.',
    [defaults.FIREHOSE_UNREPLAYABLE_ROOT]: 'An error output object whose records fail for good is copied to the same path below firehose/unreplayable/.',
  };
  for (const [prefix, reason] of Object.entries(why)) {
    Validations.of(role).acknowledge({ id: `AwsSolutions-IAM5[Resource::${nagArnOf(bucket)}/${prefix}*]`, reason: `${reason} Object access is scoped to that prefix.` });
  }

  const fn = bundledFunction(scope, 'ReplayFunction', props, {
    handler: 'replayHandler',
    description: 'Re-drives Firehose\'s error output (firehose/failed/) through the transformer: npm run replay -- --function <this>',
    runtime: defaults.FUNCTION_RUNTIME,
    architecture: lambda.Architecture.ARM_64,
    memorySize: props.functionMemorySize ?? defaults.DEFAULT_FUNCTION_MEMORY_MB,
    // As long as Lambda allows: each call re-drives until a minute before this, and says whether it finished.
    timeout: Duration.minutes(15),
    role,
    logGroup,
    // The transformer's, alert settings included: a replayed batch raises the alerts its events match.
    environment,
  });
  return { function: fn, role };
}
