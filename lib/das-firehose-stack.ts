import { Aws, CfnOutput, CfnRule, Duration, Fn, Stack, StackProps, Validations } from 'aws-cdk-lib';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct, Node } from 'constructs';
import { isResourceId, resourceIdFromStreamName } from '../lambda/core/resource';
import { DasFirehosePipeline } from './das-firehose-pipeline';
import * as defaults from './defaults';

/** One activity stream as the context describes it. */
export interface ActivityStreamSettings {
  /** `arn:aws:kinesis:<region>:<account>:stream/aws-rds-das-<resourceId>` */
  readonly streamArn: string;
  /** `arn:aws:kms:<region>:<account>:key/<key-id>` */
  readonly keyArn: string;
  /** Given only with the `resourceId` context key (single stream). */
  readonly resourceId?: string;
}

/** Write-once retention of the audit bucket. */
export interface ObjectLockSettings {
  readonly mode: 'GOVERNANCE' | 'COMPLIANCE';
  readonly days: number;
}

/** Everything the app reads from CDK context, validated. */
export interface DasFirehoseSettings {
  readonly activityStreams: ActivityStreamSettings[];
  /** The region every stream and key is in: the stack must be deployed there. */
  readonly region: string;
  readonly dropClasses?: string[];
  readonly dropCommands?: string[];
  readonly dropUsers?: string[];
  readonly transitionAfterDays?: number;
  readonly expireAfterDays?: number;
  readonly noncurrentExpireAfterDays?: number;
  readonly accessLogsExpireAfterDays?: number;
  readonly journalExpireAfterDays?: number;
  readonly objectLock?: ObjectLockSettings;
  readonly logRetentionDays?: logs.RetentionDays;
  readonly functionMemoryMb?: number;
  readonly logLevel?: string;
  readonly alarmEmail?: string;
  readonly alarmTopicArn?: string;
}

/**
 * The context keys the app reads, with what each means. README.md (Deploy → Configuration (CDK context)) shows the same table.
 */
export const CONTEXT_KEYS = {
  dasStreamArn: 'Required. The activity stream\'s Kinesis stream ARN (…:stream/aws-rds-das-<resourceId>); a comma list for several databases.',
  kmsKeyArn: 'Required. The KMS key ARN the activity stream was started with; one for all streams, or a comma list with one per stream.',
  resourceId: 'Optional, single stream only. The cluster-… or db-… resource ID, when the stream name does not carry it.',
  dropClasses: 'Optional. Comma list of event classes to leave out of the audit log.',
  dropCommands: 'Optional. Comma list of commands to leave out (e.g. SELECT).',
  dropUsers: 'Optional. Comma list of database users to leave out (e.g. rdsadmin).',
  transitionAfterDays: 'Optional. Days before audit objects move to Glacier Instant Retrieval. Default 90.',
  expireAfterDays: 'Optional. Days before audit objects expire. Default: never.',
  noncurrentExpireAfterDays: 'Optional. Days overwritten or deleted versions are kept. Default 30.',
  accessLogsExpireAfterDays: 'Optional. Days the bucket\'s server access logs are kept. Default 365.',
  journalExpireAfterDays: 'Optional. Days entries of the batch journal (journal/) are kept. Default 90.',
  objectLockDays: 'Optional. Enables S3 Object Lock with this default retention, in days (new buckets only).',
  objectLockMode: 'Optional. GOVERNANCE (default) or COMPLIANCE; needs objectLockDays.',
  logRetentionDays: 'Optional. Retention of the function and Firehose log groups, a CloudWatch Logs value. Default 90.',
  functionMemoryMb: `Optional. Transformer memory in MB. Default ${defaults.DEFAULT_FUNCTION_MEMORY_MB}.`,
  logLevel: 'Optional. Transformer log level: DEBUG, INFO, WARN or ERROR. Default INFO.',
  alarmEmail: 'Optional. E-mail address the alarms notify (creates an SNS topic).',
  alarmTopicArn: 'Optional. Existing SNS topic ARN the alarms notify.',
} as const;

/** Missing or malformed context. The message names the keys and shows an example command. */
export class ContextError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export const EXAMPLE_STREAM_ARN = 'arn:aws:kinesis:us-east-1:123456789012:stream/aws-rds-das-cluster-ABCDEFGHIJKL';
export const EXAMPLE_KEY_ARN = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

const STREAM_ARN = /^arn:(aws[a-z-]*):kinesis:([a-z0-9-]+):(\d{12}):stream\/([A-Za-z0-9_.-]{1,128})$/;
const KEY_ARN = /^arn:(aws[a-z-]*):kms:([a-z0-9-]+):(\d{12}):key\/((?:mrk-)?[A-Za-z0-9-]+)$/;
const ALIAS_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:alias\//;
const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;
const EMAIL = /^[^\s@,]+@[^\s@,]+\.[^\s@,]+$/;
const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR'];

/**
 * Reads and validates the app's context. Collects every problem, then throws one {@link ContextError}
 * that names the keys and shows an example command.
 */
export function settingsFromContext(node: Node): DasFirehoseSettings {
  const problems: string[] = [];
  const read = (key: keyof typeof CONTEXT_KEYS): string | undefined => contextString(node.tryGetContext(key));

  const streamArns = list(read('dasStreamArn'));
  const keyArns = list(read('kmsKeyArn'));
  const resourceId = read('resourceId');

  if (streamArns.length === 0) {
    problems.push(
      'dasStreamArn is missing: the ARN of the Kinesis stream your database activity stream writes to ' +
        '(arn:aws:kinesis:<region>:<account>:stream/aws-rds-das-<resourceId>). Find the stream name with: ' +
        'aws rds describe-db-clusters --query "DBClusters[].ActivityStreamKinesisStreamName" ' +
        '(describe-db-instances and DBInstances[] for Oracle and SQL Server).',
    );
  }
  if (keyArns.length === 0) {
    problems.push(
      'kmsKeyArn is missing: the ARN of the KMS key the activity stream was started with. Find it with: ' +
        'aws rds describe-db-clusters --query "DBClusters[].ActivityStreamKmsKeyId" (or describe-db-instances), then ' +
        'aws kms describe-key --key-id <id> --query KeyMetadata.Arn.',
    );
  }

  const regions = new Set<string>();
  const parsedStreams = streamArns.map((arn) => {
    const match = STREAM_ARN.exec(arn);
    if (!match) {
      problems.push(`dasStreamArn "${arn}" is not a Kinesis stream ARN (arn:aws:kinesis:<region>:<account>:stream/aws-rds-das-<resourceId>).`);
      return undefined;
    }
    regions.add(match[2]);
    const name = match[4];
    if (resourceIdFromStreamName(name) === undefined && resourceId === undefined) {
      problems.push(
        `dasStreamArn "${arn}": the stream name "${name}" is not aws-rds-das-<resourceId> with a cluster-… or db-… ` +
          'resource ID; check the ARN, or give -c resourceId=cluster-… (single stream only).',
      );
    }
    return { arn, region: match[2] };
  });

  const parsedKeys = keyArns.map((arn) => {
    const match = KEY_ARN.exec(arn);
    if (!match) {
      problems.push(
        ALIAS_ARN.test(arn)
          ? `kmsKeyArn "${arn}" is an alias ARN; IAM grants on a key need the key ARN (aws kms describe-key --key-id ${arn} --query KeyMetadata.Arn).`
          : `kmsKeyArn "${arn}" is not a KMS key ARN (arn:aws:kms:<region>:<account>:key/<key-id>).`,
      );
      return undefined;
    }
    return { arn, region: match[2] };
  });

  if (streamArns.length > 0 && keyArns.length > 1 && keyArns.length !== streamArns.length) {
    problems.push(
      `kmsKeyArn lists ${keyArns.length} keys for ${streamArns.length} dasStreamArn streams: give one key for all, ` +
        'or one per stream in the same order.',
    );
  }
  if (new Set(streamArns).size !== streamArns.length) {
    problems.push('dasStreamArn lists the same stream twice; give each database once.');
  }
  if (regions.size > 1) {
    problems.push(`dasStreamArn streams are in several regions (${[...regions].join(', ')}); deploy one stack per region.`);
  }
  parsedStreams.forEach((stream, index) => {
    const key = parsedKeys.length === 1 ? parsedKeys[0] : parsedKeys[index];
    if (stream && key && key.region !== stream.region) {
      problems.push(
        `kmsKeyArn "${key.arn}" is in ${key.region} but its stream "${stream.arn}" is in ${stream.region}; ` +
          'an activity stream uses a key in its own region.',
      );
    }
  });
  if (resourceId !== undefined) {
    if (!isResourceId(resourceId)) {
      problems.push(`resourceId "${resourceId}" must be a cluster resource ID (cluster-…) or an instance resource ID (db-…).`);
    }
    if (streamArns.length > 1) {
      problems.push('resourceId can only be given with a single dasStreamArn; with several, each stream name must carry its resource ID.');
    }
  }

  const days = (key: keyof typeof CONTEXT_KEYS): number | undefined => {
    const raw = read(key);
    if (raw === undefined) return undefined;
    const value = Number(raw);
    if (!Number.isSafeInteger(value) || value <= 0) {
      problems.push(`${key} must be a positive whole number of days; got "${raw}".`);
      return undefined;
    }
    return value;
  };
  const transitionAfterDays = days('transitionAfterDays');
  const expireAfterDays = days('expireAfterDays');
  const noncurrentExpireAfterDays = days('noncurrentExpireAfterDays');
  const accessLogsExpireAfterDays = days('accessLogsExpireAfterDays');
  const journalExpireAfterDays = days('journalExpireAfterDays');
  const objectLockDays = days('objectLockDays');
  const effectiveTransition = transitionAfterDays ?? defaults.DEFAULT_TRANSITION_AFTER.toDays();
  if (expireAfterDays !== undefined && expireAfterDays <= effectiveTransition) {
    problems.push(`expireAfterDays (${expireAfterDays}) must be larger than transitionAfterDays (${effectiveTransition}).`);
  }

  const objectLockMode = read('objectLockMode')?.toUpperCase();
  if (objectLockMode !== undefined && objectLockMode !== 'GOVERNANCE' && objectLockMode !== 'COMPLIANCE') {
    problems.push(`objectLockMode must be GOVERNANCE or COMPLIANCE; got "${objectLockMode}".`);
  }
  if (objectLockMode !== undefined && objectLockDays === undefined) {
    problems.push('objectLockMode needs objectLockDays, the default retention in days.');
  }

  let logRetentionDays: logs.RetentionDays | undefined;
  const rawRetention = read('logRetentionDays');
  if (rawRetention !== undefined) {
    const value = Number(rawRetention);
    const allowed = Object.values(logs.RetentionDays).filter((item): item is number => typeof item === 'number');
    if (!allowed.includes(value)) {
      problems.push(`logRetentionDays must be one of ${allowed.join(', ')}; got "${rawRetention}".`);
    } else {
      logRetentionDays = value as logs.RetentionDays;
    }
  }

  let functionMemoryMb: number | undefined;
  const rawMemory = read('functionMemoryMb');
  if (rawMemory !== undefined) {
    const value = Number(rawMemory);
    if (!Number.isSafeInteger(value) || value < defaults.MIN_FUNCTION_MEMORY_MB || value > 10240) {
      problems.push(`functionMemoryMb must be a whole number from ${defaults.MIN_FUNCTION_MEMORY_MB} to 10240; got "${rawMemory}".`);
    } else {
      functionMemoryMb = value;
    }
  }

  const logLevel = read('logLevel')?.toUpperCase();
  if (logLevel !== undefined && !LOG_LEVELS.includes(logLevel)) {
    problems.push(`logLevel must be one of ${LOG_LEVELS.join(', ')}; got "${logLevel}".`);
  }

  const alarmEmail = read('alarmEmail');
  const alarmTopicArn = read('alarmTopicArn');
  if (alarmEmail !== undefined && !EMAIL.test(alarmEmail)) {
    problems.push(`alarmEmail "${alarmEmail}" is not an e-mail address.`);
  }
  if (alarmTopicArn !== undefined && !TOPIC_ARN.test(alarmTopicArn)) {
    problems.push(`alarmTopicArn "${alarmTopicArn}" is not an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>).`);
  }
  if (alarmEmail !== undefined && alarmTopicArn !== undefined) {
    problems.push('Give alarmEmail or alarmTopicArn, not both (subscribe the address to your topic instead).');
  }

  if (problems.length > 0) throw new ContextError(contextErrorMessage(problems));

  return {
    activityStreams: streamArns.map((streamArn, index) => ({
      streamArn,
      keyArn: keyArns.length === 1 ? keyArns[0] : keyArns[index],
      ...(resourceId !== undefined ? { resourceId } : {}),
    })),
    region: [...regions][0],
    dropClasses: optionalList(read('dropClasses')),
    dropCommands: optionalList(read('dropCommands')),
    dropUsers: optionalList(read('dropUsers')),
    transitionAfterDays,
    expireAfterDays,
    noncurrentExpireAfterDays,
    accessLogsExpireAfterDays,
    journalExpireAfterDays,
    objectLock:
      objectLockDays !== undefined
        ? { mode: (objectLockMode ?? 'GOVERNANCE') as ObjectLockSettings['mode'], days: objectLockDays }
        : undefined,
    logRetentionDays,
    functionMemoryMb,
    logLevel,
    alarmEmail,
    alarmTopicArn,
  };
}

function contextErrorMessage(problems: string[]): string {
  return [
    'das-firehose cannot synthesize: the CDK context is incomplete or malformed.',
    ...problems.map((problem) => `  - ${problem}`),
    '',
    'Give the activity stream and its key on the command line, for example:',
    `  npx cdk synth -c dasStreamArn=${EXAMPLE_STREAM_ARN} -c kmsKeyArn=${EXAMPLE_KEY_ARN}`,
    'Several databases: comma-separated dasStreamArn, and one kmsKeyArn for all or one per stream.',
    'Every context key is described in README.md, under Deploy → Configuration (CDK context).',
  ].join('\n');
}

/** Context from `-c key=value` is a string; from cdk.json it may be a number or a list. */
function contextString(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  const text = Array.isArray(value) ? value.map(String).join(',') : String(value);
  const trimmed = text.trim();
  return trimmed.length > 0 ? trimmed : undefined;
}

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

function optionalList(value: string | undefined): string[] | undefined {
  const items = list(value);
  return items.length > 0 ? items : undefined;
}

/** Properties of a {@link DasFirehoseStack}. */
export interface DasFirehoseStackProps extends StackProps {
  /** The validated context, from {@link settingsFromContext}. */
  readonly settings: DasFirehoseSettings;
}

/**
 * The deployable app: the {@link DasFirehosePipeline} for the activity streams the context names,
 * an optional alarm topic, and the outputs an operator needs. Environment-agnostic: no lookups.
 */
export class DasFirehoseStack extends Stack {
  public readonly pipeline: DasFirehosePipeline;

  constructor(scope: Construct, id: string, props: DasFirehoseStackProps) {
    super(scope, id, props);
    const { settings } = props;

    // Imports only: the streams and keys belong to RDS and the database team.
    const activityStreams = settings.activityStreams.map((source, index) => ({
      stream: kinesis.Stream.fromStreamArn(this, `ActivityStream${index}`, source.streamArn),
      key: kms.Key.fromKeyArn(this, `ActivityStreamKey${index}`, source.keyArn),
      resourceId: source.resourceId,
    }));

    const alarmTopic = this.alarmTopic(settings);

    this.pipeline = new DasFirehosePipeline(this, 'Pipeline', {
      activityStreams,
      dropClasses: settings.dropClasses,
      dropCommands: settings.dropCommands,
      dropUsers: settings.dropUsers,
      transitionAfter: days(settings.transitionAfterDays),
      expireAfter: days(settings.expireAfterDays),
      noncurrentVersionExpiration: days(settings.noncurrentExpireAfterDays),
      accessLogsExpiration: days(settings.accessLogsExpireAfterDays),
      journalExpiration: days(settings.journalExpireAfterDays),
      objectLockRetention: settings.objectLock
        ? settings.objectLock.mode === 'COMPLIANCE'
          ? s3.ObjectLockRetention.compliance(Duration.days(settings.objectLock.days))
          : s3.ObjectLockRetention.governance(Duration.days(settings.objectLock.days))
        : undefined,
      logRetention: settings.logRetentionDays,
      functionMemorySize: settings.functionMemoryMb,
      logLevel: settings.logLevel,
      alarmTopic,
    });

    // Firehose reads a Kinesis stream in its own region only: stop a deployment elsewhere early,
    // with a message, instead of failing on the delivery stream.
    new CfnRule(this, 'DeployInStreamRegion', {
      assertions: [
        {
          assert: Fn.conditionEquals(Aws.REGION, settings.region),
          assertDescription: `Deploy this stack in ${settings.region}, the region of the database activity stream.`,
        },
      ],
    });

    const bucketName = this.pipeline.bucket.bucketName;
    new CfnOutput(this, 'BucketName', {
      description: 'The audit bucket. Browse the events with: aws s3 ls s3://<bucket>/events/',
      value: bucketName,
    });
    new CfnOutput(this, 'EventsConsoleUrl', {
      description: 'The events/ prefix of the audit bucket in the S3 console',
      value: `https://s3.console.aws.amazon.com/s3/buckets/${bucketName}?region=${Aws.REGION}&prefix=${defaults.EVENTS_PREFIX}&showversions=false`,
    });
    new CfnOutput(this, 'DeliveryStreamName', {
      description: 'The Firehose delivery stream(s), comma-separated in dasStreamArn order when there are several',
      value: Fn.join(',', this.pipeline.deliveryStreams.map((stream) => stream.ref)),
    });
    new CfnOutput(this, 'TransformFunctionName', {
      description: 'The transformer Lambda function',
      value: this.pipeline.transformFunction.functionName,
    });
    new CfnOutput(this, 'FunctionLogGroupName', {
      description: 'The transformer\'s CloudWatch log group',
      value: this.pipeline.functionLogGroup.logGroupName,
    });
    new CfnOutput(this, 'DeliveryLogGroupName', {
      description: 'The log group of Firehose delivery and processing errors',
      value: this.pipeline.deliveryLogGroup.logGroupName,
    });
  }

  private alarmTopic(settings: DasFirehoseSettings): sns.ITopic | undefined {
    if (settings.alarmTopicArn) return sns.Topic.fromTopicArn(this, 'AlarmTopic', settings.alarmTopicArn);
    if (!settings.alarmEmail) return undefined;
    const topic = new sns.Topic(this, 'AlarmTopic', { displayName: 'das-firehose alarms', enforceSSL: true });
    topic.addSubscription(new subscriptions.EmailSubscription(settings.alarmEmail));
    Validations.of(topic).acknowledge({
      id: 'AwsSolutions-SNS2',
      reason:
        'The topic carries alarm state changes only (alarm name, metric, threshold), never audit data. CloudWatch ' +
        'cannot publish to a topic encrypted with the AWS managed SNS key, so encryption would need a customer ' +
        'managed key and key policy for no confidentiality gain.',
    });
    return topic;
  }
}

function days(value: number | undefined): Duration | undefined {
  return value === undefined ? undefined : Duration.days(value);
}
