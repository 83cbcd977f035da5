import * as path from 'path';
import { ArnFormat, Aws, Duration, RemovalPolicy, Size, SizeRoundingBehavior, Stack, Token, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import * as defaults from './defaults';
// The transformer's own reading of stream names and resource IDs: one definition for both sides.
import { isResourceId, resourceIdFromStreamName } from '../lambda/core/resource';

/** One database activity stream the pipeline consumes. */
export interface ActivityStreamSource {
  /**
   * The Kinesis stream RDS created for the activity stream (`aws-rds-das-<resourceId>`).
   * Firehose reads it from LATEST; the pipeline gets read access to this stream only.
   */
  readonly stream: kinesis.IStream;

  /**
   * The KMS key the activity stream was started with (a key ARN, not an alias). The function may
   * decrypt with it only under this database's encryption context.
   */
  readonly key: kms.IKey;

  /**
   * The database's resource ID: `cluster-…` (Aurora, DbClusterResourceId) or `db-…` (RDS for
   * Oracle and SQL Server, DbiResourceId). It decides the KMS encryption context the function may use.
   * Give it only when the stream is not named `aws-rds-das-<resourceId>`; it is then passed to the
   * function as `RESOURCE_ID`, which needs a pipeline with a single stream.
   *
   * @default - parsed from the stream name `aws-rds-das-<resourceId>`
   */
  readonly resourceId?: string;
}

/** Properties of a {@link DasFirehosePipeline}. */
export interface DasFirehosePipelineProps {
  /**
   * The activity streams to consume. Each gets its own Firehose delivery stream; the transformer
   * function and the audit bucket are shared, and the function tells databases apart by the
   * delivery stream's `sourceKinesisStreamArn`.
   */
  readonly activityStreams: ActivityStreamSource[];

  /**
   * Memory of the transformer function, in MB. CPU scales with it.
   * @default DEFAULT_FUNCTION_MEMORY_MB (lib/defaults.ts, from `npm run bench`)
   */
  readonly functionMemorySize?: number;

  /**
   * Timeout of the transformer function: between 60 seconds and 5 minutes, the longest Firehose waits.
   * @default Duration.minutes(2)
   */
  readonly functionTimeout?: Duration;

  /**
   * `POWERTOOLS_LOG_LEVEL` of the transformer (DEBUG, INFO, WARN, ERROR).
   * @default 'INFO'
   */
  readonly logLevel?: string;

  /**
   * Retention of the function's and the delivery streams' log groups.
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * Event classes to leave out of the audit log (`DROP_CLASSES`), e.g. `['MISC']`. Case-insensitive.
   * @default - no class is dropped
   */
  readonly dropClasses?: string[];

  /**
   * Commands to leave out of the audit log (`DROP_COMMANDS`), e.g. `['SELECT']`. Case-insensitive.
   * @default - no command is dropped
   */
  readonly dropCommands?: string[];

  /**
   * Database users whose events are left out (`DROP_USERS`), e.g. `['rdsadmin']`. Case-insensitive.
   * @default - no user is dropped
   */
  readonly dropUsers?: string[];

  /**
   * How much data Firehose collects before it invokes the transformer (0.2 to 3 MiB).
   * @default Size.mebibytes(1)
   */
  readonly processorBufferSize?: Size;

  /**
   * How long Firehose collects data before it invokes the transformer (0 to 900 seconds).
   * @default Duration.seconds(60)
   */
  readonly processorBufferInterval?: Duration;

  /**
   * How often Firehose retries a failed invocation before the batch goes to the error output (3 to 300).
   * @default 3
   */
  readonly processorRetries?: number;

  /**
   * Destination buffer size of the Ok records delivered under `firehose/ok/` (1 to 128 MiB).
   * @default Size.mebibytes(5)
   */
  readonly deliveryBufferSize?: Size;

  /**
   * Destination buffer interval of the Ok records delivered under `firehose/ok/` (0 to 900 seconds).
   * @default Duration.seconds(300)
   */
  readonly deliveryBufferInterval?: Duration;

  /**
   * Age after which audit objects move to `transitionStorageClass`.
   * @default Duration.days(90)
   */
  readonly transitionAfter?: Duration;

  /**
   * Storage class audit objects move to after `transitionAfter`.
   * @default s3.StorageClass.GLACIER_INSTANT_RETRIEVAL
   */
  readonly transitionStorageClass?: s3.StorageClass;

  /**
   * Age after which audit objects expire (become noncurrent versions, then are deleted after
   * `noncurrentVersionExpiration`). Must be longer than `transitionAfter`.
   * @default - audit objects never expire
   */
  readonly expireAfter?: Duration;

  /**
   * How long entries of the batch journal (`journal/`) are kept. A re-drive of Firehose's error output
   * uses them to overwrite, rather than duplicate, events a failed batch left behind; keep them at least
   * as long as failures may wait to be re-driven.
   * @default Duration.days(90)
   */
  readonly journalExpiration?: Duration;

  /**
   * How long overwritten or deleted object versions are kept.
   * @default Duration.days(30)
   */
  readonly noncurrentVersionExpiration?: Duration;

  /**
   * How long the audit bucket's server access logs are kept.
   * @default Duration.days(365)
   */
  readonly accessLogsExpiration?: Duration;

  /**
   * S3 Object Lock default retention, for write-once audit retention: every object version is
   * protected for this long. Object Lock can only be chosen when the bucket is created.
   * @example s3.ObjectLockRetention.governance(Duration.days(365))
   * @default - no Object Lock
   */
  readonly objectLockRetention?: s3.ObjectLockRetention;

  /**
   * What happens to the audit bucket and its access-logs bucket when the stack is deleted.
   * `DESTROY` fails on a bucket that still holds objects.
   * @default RemovalPolicy.RETAIN
   */
  readonly bucketRemovalPolicy?: RemovalPolicy;

  /**
   * Topic the alarms notify.
   * @default - alarms are created without actions
   */
  readonly alarmTopic?: sns.ITopic;

  /**
   * Delivery freshness alarm threshold: the age of the oldest record not yet delivered to S3.
   * @default Duration.minutes(15)
   */
  readonly freshnessAlarmThreshold?: Duration;
}

/** A delivery stream of the pipeline and the database it carries. */
export interface ActivityStreamDelivery {
  /** The database's resource ID (`cluster-…` or `db-…`). */
  readonly resourceId: string;
  /** The source activity stream. */
  readonly stream: kinesis.IStream;
  /** The Firehose delivery stream reading it. */
  readonly deliveryStream: firehose.CfnDeliveryStream;
  /** The role Firehose assumes for this delivery stream. */
  readonly role: iam.IRole;
}

/**
 * Database Activity Streams → Kinesis Data Firehose → transformer Lambda → S3 audit log.
 *
 * For each activity stream, a Firehose delivery stream reads the stream and invokes the shared
 * transformer, which decrypts the records and writes the events under `events/` in the audit bucket.
 * Firehose delivers the transformer's Ok records under `firehose/ok/` and failed records under
 * `firehose/failed/`. Alarms watch processing failures, function errors and delivery freshness.
 *
 * @example
 * new DasFirehosePipeline(this, 'Pipeline', {
 *   activityStreams: [{
 *     stream: kinesis.Stream.fromStreamArn(this, 'Stream',
 *       'arn:aws:kinesis:us-east-1:123456789012:stream/aws-rds-das-cluster-ABCDEFGHIJKL'),
 *     key: kms.Key.fromKeyArn(this, 'Key',
 *       'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab'),
 *   }],
 *   dropUsers: ['rdsadmin'],
 * });
 */
export class DasFirehosePipeline extends Construct {
  /** The audit bucket: events under `events/`, Firehose output under `firehose/`. */
  public readonly bucket: s3.Bucket;
  /** The bucket that receives the audit bucket's server access logs. */
  public readonly accessLogsBucket: s3.Bucket;
  /** The transformer function, shared by every delivery stream. */
  public readonly transformFunction: NodejsFunction;
  /** The function's log group. */
  public readonly functionLogGroup: logs.LogGroup;
  /** The log group Firehose writes delivery and processing errors to, one log stream per delivery stream. */
  public readonly deliveryLogGroup: logs.LogGroup;
  /** One delivery stream per activity stream, in the order of `activityStreams`. */
  public readonly deliveries: ActivityStreamDelivery[];
  /** The Firehose delivery streams, in the order of `activityStreams`. */
  public readonly deliveryStreams: firehose.CfnDeliveryStream[];
  /** Every alarm the pipeline created. */
  public readonly alarms: cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, props: DasFirehosePipelineProps) {
    super(scope, id);
    const sources = resolveSources(props.activityStreams);
    validateProps(props);

    const logRetention = props.logRetention ?? defaults.DEFAULT_LOG_RETENTION;

    this.accessLogsBucket = this.createAccessLogsBucket(props);
    this.bucket = this.createAuditBucket(props);

    this.functionLogGroup = new logs.LogGroup(this, 'FunctionLogGroup', {
      retention: logRetention,
      // Operational logs only: the audit data itself lives in the bucket.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.transformFunction = this.createFunction(props, sources);

    this.deliveryLogGroup = new logs.LogGroup(this, 'DeliveryLogGroup', {
      retention: logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.deliveries = sources.map((source) => this.createDelivery(props, source));
    this.deliveryStreams = this.deliveries.map((delivery) => delivery.deliveryStream);

    this.alarms = this.createAlarms(props);
  }

  private createAccessLogsBucket(props: DasFirehosePipelineProps): s3.Bucket {
    const bucket = new s3.Bucket(this, 'AccessLogsBucket', {
      // Server access log delivery supports SSE-S3 only on the target bucket.
      encryption: s3.BucketEncryption.S3_MANAGED,
      removalPolicy: props.bucketRemovalPolicy ?? defaults.DEFAULT_BUCKET_REMOVAL_POLICY,
      lifecycleRules: [
        {
          id: 'ExpireAccessLogs',
          expiration: props.accessLogsExpiration ?? defaults.DEFAULT_ACCESS_LOGS_EXPIRATION,
          noncurrentVersionExpiration: Duration.days(1),
          abortIncompleteMultipartUploadAfter: defaults.ABORT_INCOMPLETE_MULTIPART_UPLOAD_AFTER,
        },
      ],
      ...defaults.REQUIRED_BUCKET_PROPS,
    });
    Validations.of(bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'This bucket is the target of the audit bucket\'s server access logs; logging it to itself would loop ' +
        'and logging it elsewhere only moves the finding. It is reachable by the S3 log delivery service only.',
    });
    return bucket;
  }

  private createAuditBucket(props: DasFirehosePipelineProps): s3.Bucket {
    // The audit log and Firehose's output (its copy of the events and the records it could not
    // deliver) are kept alike; the journal is only needed until failed batches are re-driven.
    const retained = (id: string, prefix: string): s3.LifecycleRule => ({
      id,
      prefix,
      transitions: [
        {
          storageClass: props.transitionStorageClass ?? defaults.DEFAULT_TRANSITION_STORAGE_CLASS,
          transitionAfter: props.transitionAfter ?? defaults.DEFAULT_TRANSITION_AFTER,
        },
      ],
      ...(props.expireAfter ? { expiration: props.expireAfter } : {}),
      noncurrentVersionExpiration: props.noncurrentVersionExpiration ?? defaults.DEFAULT_NONCURRENT_VERSION_EXPIRATION,
    });
    const lifecycleRules: s3.LifecycleRule[] = [
      retained('AuditEvents', defaults.EVENTS_PREFIX),
      retained('FirehoseOutput', defaults.FIREHOSE_PREFIX),
      {
        id: 'BatchJournal',
        prefix: defaults.JOURNAL_PREFIX,
        expiration: props.journalExpiration ?? defaults.DEFAULT_JOURNAL_EXPIRATION,
        noncurrentVersionExpiration: Duration.days(1),
      },
      { id: 'AbortIncompleteUploads', abortIncompleteMultipartUploadAfter: defaults.ABORT_INCOMPLETE_MULTIPART_UPLOAD_AFTER },
      // Once every version of an expired object is gone, its delete marker is removed too.
      { id: 'ExpiredDeleteMarkers', expiredObjectDeleteMarker: true },
    ];
    return new s3.Bucket(this, 'Bucket', {
      encryption: defaults.DEFAULT_BUCKET_ENCRYPTION,
      removalPolicy: props.bucketRemovalPolicy ?? defaults.DEFAULT_BUCKET_REMOVAL_POLICY,
      lifecycleRules,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'audit-bucket/',
      // Counts the objects Firehose writes to the error output, for the processing-failures alarm.
      metrics: [{ id: defaults.ERROR_OUTPUT_METRICS_ID, prefix: defaults.FIREHOSE_FAILED_ROOT }],
      ...(props.objectLockRetention
        ? { objectLockEnabled: true, objectLockDefaultRetention: props.objectLockRetention }
        : {}),
      ...defaults.REQUIRED_BUCKET_PROPS,
    });
  }

  private createFunction(props: DasFirehosePipelineProps, sources: ResolvedSource[]): NodejsFunction {
    const role = new iam.Role(this, 'FunctionRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'DAS transformer: decrypts activity records and writes events/ in the audit bucket',
    });
    this.functionLogGroup.grantWrite(role);
    // What the transformer does in the bucket, and nowhere else (firehose/ belongs to Firehose):
    // write events/, delete there only to roll back a batch that failed, and write its journal.
    // (bucket.grantPut would add s3:Abort* and the object-lock and tagging actions.)
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'WriteEvents',
        actions: ['s3:PutObject', 's3:DeleteObject'],
        resources: [this.bucket.arnForObjects(`${defaults.EVENTS_PREFIX}*`)],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'WriteJournal',
        actions: ['s3:PutObject'],
        resources: [this.bucket.arnForObjects(`${defaults.JOURNAL_PREFIX}*`)],
      }),
    );
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${logicalIdOf(this.bucket)}.Arn>/${defaults.EVENTS_PREFIX}*]`,
      reason:
        'The transformer writes one object per command, hour and batch under events/ with keys it derives from ' +
        'the records, and deletes only those of a batch that failed; both actions are scoped to that prefix.',
    });
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${logicalIdOf(this.bucket)}.Arn>/${defaults.JOURNAL_PREFIX}*]`,
      reason:
        'The transformer writes one journal entry per batch under journal/, named after the batch; s3:PutObject ' +
        'is the only action, scoped to that prefix.',
    });
    for (const statement of decryptStatements(sources)) role.addToPrincipalPolicy(statement);

    const repoRoot = path.join(__dirname, '..');
    const fn = new NodejsFunction(this, 'TransformFunction', {
      description: 'Decrypts Database Activity Streams records for Firehose and writes them to S3 under events/',
      entry: path.join(repoRoot, 'lambda', 'handler.ts'),
      handler: 'handler',
      projectRoot: repoRoot,
      depsLockFilePath: path.join(repoRoot, 'package-lock.json'),
      runtime: defaults.FUNCTION_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.functionMemorySize ?? defaults.DEFAULT_FUNCTION_MEMORY_MB,
      timeout: props.functionTimeout ?? defaults.DEFAULT_FUNCTION_TIMEOUT,
      role,
      logGroup: this.functionLogGroup,
      environment: functionEnvironment(props, sources, this.bucket),
      bundling: {
        minify: true,
        sourceMap: true,
        target: defaults.FUNCTION_ESBUILD_TARGET,
        format: OutputFormat.CJS,
        // Bundle the AWS SDK and the Encryption SDK at the versions package-lock.json pins,
        // instead of whatever the runtime ships.
        bundleAwsSDK: true,
        externalModules: [],
      },
    });
    return fn;
  }

  private createDelivery(props: DasFirehosePipelineProps, source: ResolvedSource): ActivityStreamDelivery {
    const scope = new Construct(this, source.resourceId);
    const logStream = new logs.LogStream(scope, 'LogStream', {
      logGroup: this.deliveryLogGroup,
      logStreamName: `${source.resourceId}-delivery`,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const role = new iam.Role(scope, 'Role', {
      description: `Firehose delivery of ${source.resourceId}: reads its activity stream, invokes the transformer, writes firehose/`,
      assumedBy: new iam.ServicePrincipal('firehose.amazonaws.com', {
        // Confused-deputy guard: only Firehose acting for this account may assume the role.
        conditions: { StringEquals: { 'sts:ExternalId': Aws.ACCOUNT_ID } },
      }),
    });
    const policy = new iam.Policy(scope, 'Policy', {
      roles: [role],
      statements: [
        new iam.PolicyStatement({
          sid: 'ReadActivityStream',
          actions: ['kinesis:DescribeStream', 'kinesis:GetShardIterator', 'kinesis:GetRecords', 'kinesis:ListShards'],
          resources: [source.stream.streamArn],
        }),
        new iam.PolicyStatement({
          sid: 'InvokeTransformer',
          actions: ['lambda:InvokeFunction', 'lambda:GetFunctionConfiguration'],
          resources: [this.transformFunction.functionArn],
        }),
        new iam.PolicyStatement({
          sid: 'LocateBucket',
          actions: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'],
          resources: [this.bucket.bucketArn],
        }),
        new iam.PolicyStatement({
          sid: 'WriteFirehosePrefix',
          actions: ['s3:AbortMultipartUpload', 's3:GetObject', 's3:PutObject'],
          resources: [this.bucket.arnForObjects(`${defaults.FIREHOSE_PREFIX}*`)],
        }),
        new iam.PolicyStatement({
          sid: 'LogDeliveryErrors',
          actions: ['logs:PutLogEvents'],
          resources: [
            Stack.of(this).formatArn({
              service: 'logs',
              resource: 'log-group',
              resourceName: `${this.deliveryLogGroup.logGroupName}:log-stream:${logStream.logStreamName}`,
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          ],
        }),
      ],
    });
    Validations.of(policy).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${logicalIdOf(this.bucket)}.Arn>/${defaults.FIREHOSE_PREFIX}*]`,
      reason:
        'Firehose writes objects with generated names under firehose/ (Ok records and the error output); the ' +
        'object ARN is scoped to that prefix of the audit bucket and cannot be narrower.',
    });

    const processorBufferSize = props.processorBufferSize ?? defaults.DEFAULT_PROCESSOR_BUFFER_SIZE;
    const processorBufferInterval = props.processorBufferInterval ?? defaults.DEFAULT_PROCESSOR_BUFFER_INTERVAL;
    const deliveryBufferSize = props.deliveryBufferSize ?? defaults.DEFAULT_DELIVERY_BUFFER_SIZE;
    const deliveryBufferInterval = props.deliveryBufferInterval ?? defaults.DEFAULT_DELIVERY_BUFFER_INTERVAL;

    const deliveryStream = new firehose.CfnDeliveryStream(scope, 'DeliveryStream', {
      deliveryStreamType: 'KinesisStreamAsSource',
      kinesisStreamSourceConfiguration: {
        kinesisStreamArn: source.stream.streamArn,
        roleArn: role.roleArn,
      },
      extendedS3DestinationConfiguration: {
        bucketArn: this.bucket.bucketArn,
        roleArn: role.roleArn,
        prefix: defaults.FIREHOSE_OK_PREFIX,
        errorOutputPrefix: defaults.FIREHOSE_ERROR_OUTPUT_PREFIX,
        // Ok records are already gzip members; a second compression would nest gzip in gzip.
        compressionFormat: 'UNCOMPRESSED',
        fileExtension: defaults.FIREHOSE_FILE_EXTENSION,
        bufferingHints: {
          sizeInMBs: deliveryBufferSize.toMebibytes(),
          intervalInSeconds: deliveryBufferInterval.toSeconds(),
        },
        cloudWatchLoggingOptions: {
          enabled: true,
          logGroupName: this.deliveryLogGroup.logGroupName,
          logStreamName: logStream.logStreamName,
        },
        s3BackupMode: 'Disabled',
        processingConfiguration: {
          enabled: true,
          // The transformer alone: no AppendDelimiterToRecord, which would corrupt the gzip members.
          processors: [
            {
              type: 'Lambda',
              parameters: [
                { parameterName: 'LambdaArn', parameterValue: this.transformFunction.functionArn },
                { parameterName: 'NumberOfRetries', parameterValue: String(props.processorRetries ?? defaults.DEFAULT_PROCESSOR_RETRIES) },
                { parameterName: 'BufferSizeInMBs', parameterValue: String(processorBufferSize.toMebibytes({ rounding: SizeRoundingBehavior.NONE })) },
                { parameterName: 'BufferIntervalInSeconds', parameterValue: String(processorBufferInterval.toSeconds()) },
              ],
            },
          ],
        },
      },
    });
    // Firehose checks its access when the stream is created: the policy must exist first.
    deliveryStream.node.addDependency(policy);
    Validations.of(deliveryStream).acknowledge({
      id: 'AwsSolutions-KDF1',
      reason:
        'Firehose rejects server-side encryption on a delivery stream whose source is a Kinesis stream. The ' +
        'records are encrypted by the activity stream\'s KMS key until the transformer decrypts them, and the ' +
        'audit bucket encrypts everything at rest.',
    });

    return { resourceId: source.resourceId, stream: source.stream, deliveryStream, role };
  }

  private createAlarms(props: DasFirehosePipelineProps): cloudwatch.Alarm[] {
    const period = Duration.minutes(5);
    const alarms: cloudwatch.Alarm[] = [];

    alarms.push(
      new cloudwatch.Alarm(this, 'ErrorOutputAlarm', {
        alarmDescription:
          `Firehose wrote records to s3://<bucket>/${defaults.FIREHOSE_FAILED_ROOT}: records the transformer answered ` +
          'ProcessingFailed, batches that failed after every retry, or S3 delivery failures. Look at the objects ' +
          'there and at the transformer\'s logs.',
        metric: new cloudwatch.Metric({
          namespace: 'AWS/S3',
          metricName: 'PutRequests',
          dimensionsMap: { BucketName: this.bucket.bucketName, FilterId: defaults.ERROR_OUTPUT_METRICS_ID },
          statistic: cloudwatch.Stats.SUM,
          period,
        }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    );

    alarms.push(
      new cloudwatch.Alarm(this, 'FunctionErrorsAlarm', {
        alarmDescription:
          'The transformer threw or timed out; Firehose retries the batch and then sends it to the error output. ' +
          'See the function\'s log group.',
        metric: this.transformFunction.metricErrors({ period, statistic: cloudwatch.Stats.SUM }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    );

    const freshness = props.freshnessAlarmThreshold ?? defaults.DEFAULT_FRESHNESS_THRESHOLD;
    for (const delivery of this.deliveries) {
      const scope = delivery.deliveryStream.node.scope as Construct;
      const dimensionsMap = { DeliveryStreamName: delivery.deliveryStream.ref };
      alarms.push(
        new cloudwatch.Alarm(scope, 'ProcessingFailuresAlarm', {
          alarmDescription:
            `Firehose could not invoke the transformer successfully for ${delivery.resourceId} ` +
            '(ExecuteProcessing.Success below 1); failed batches end up in the error output.',
          metric: new cloudwatch.Metric({
            namespace: 'AWS/Firehose',
            metricName: 'ExecuteProcessing.Success',
            dimensionsMap,
            statistic: cloudwatch.Stats.MINIMUM,
            period,
          }),
          threshold: 1,
          evaluationPeriods: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
      );
      alarms.push(
        new cloudwatch.Alarm(scope, 'DeliveryFreshnessAlarm', {
          alarmDescription:
            `Records of ${delivery.resourceId} have waited more than ${freshness.toSeconds()} seconds for delivery ` +
            'to S3 (DeliveryToS3.DataFreshness). Check the delivery stream\'s error log.',
          metric: new cloudwatch.Metric({
            namespace: 'AWS/Firehose',
            metricName: 'DeliveryToS3.DataFreshness',
            dimensionsMap,
            statistic: cloudwatch.Stats.MAXIMUM,
            period,
          }),
          threshold: freshness.toSeconds(),
          evaluationPeriods: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
      );
    }

    if (props.alarmTopic) {
      const action = new cloudwatchActions.SnsAction(props.alarmTopic);
      for (const alarm of alarms) alarm.addAlarmAction(action);
    }
    return alarms;
  }
}

/** An activity stream with its resource ID settled. */
interface ResolvedSource {
  readonly stream: kinesis.IStream;
  readonly key: kms.IKey;
  readonly resourceId: string;
  /** Whether the resource ID was given rather than parsed from the stream name. */
  readonly resourceIdGiven: boolean;
}


/**
 * The KMS encryption context key RDS binds a record's data key to. Aurora streams per cluster
 * (DbClusterResourceId, `cluster-…`); RDS for Oracle and SQL Server stream per instance
 * (DbiResourceId, `db-…`) under a different key.
 */
export function encryptionContextKeyFor(resourceId: string): 'aws:rds:dbc-id' | 'aws:rds:db-id' {
  return resourceId.startsWith('cluster-') ? 'aws:rds:dbc-id' : 'aws:rds:db-id';
}

function resolveSources(streams: ActivityStreamSource[]): ResolvedSource[] {
  if (streams.length === 0) {
    throw new Error('DasFirehosePipeline needs at least one activity stream in activityStreams.');
  }
  const resolved = streams.map((source, index): ResolvedSource => {
    const streamName = source.stream.streamName;
    const parsed = Token.isUnresolved(streamName) ? undefined : resourceIdFromStreamName(streamName);
    const resourceId = source.resourceId ?? parsed;
    if (resourceId === undefined) {
      throw new Error(
        `activityStreams[${index}]: cannot tell the resource ID from the stream name "${streamName}" ` +
          '(expected aws-rds-das-<resourceId>); give resourceId (cluster-… or db-…).',
      );
    }
    if (Token.isUnresolved(resourceId) || !isResourceId(resourceId)) {
      throw new Error(
        `activityStreams[${index}]: resourceId must be an Aurora cluster resource ID (cluster-…) or an RDS ` +
          `instance resource ID (db-…), e.g. cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ; got "${resourceId}".`,
      );
    }
    return { stream: source.stream, key: source.key, resourceId, resourceIdGiven: source.resourceId !== undefined };
  });
  if (resolved.length > 1 && resolved.some((source) => source.resourceIdGiven)) {
    throw new Error(
      'resourceId can only be given with a single activity stream: with several, the function tells databases ' +
        'apart by their stream names (aws-rds-das-<resourceId>).',
    );
  }
  const seen = new Set<string>();
  for (const source of resolved) {
    if (seen.has(source.resourceId)) {
      throw new Error(`Activity stream of ${source.resourceId} is listed twice; give each database once.`);
    }
    seen.add(source.resourceId);
  }
  return resolved;
}

function validateProps(props: DasFirehosePipelineProps): void {
  const timeout = props.functionTimeout ?? defaults.DEFAULT_FUNCTION_TIMEOUT;
  if (
    timeout.toSeconds() < defaults.MIN_FUNCTION_TIMEOUT.toSeconds() ||
    timeout.toSeconds() > defaults.MAX_FUNCTION_TIMEOUT.toSeconds()
  ) {
    throw new Error(
      `functionTimeout must be between 60 and 300 seconds (Firehose waits at most 5 minutes); got ${timeout.toSeconds()} seconds.`,
    );
  }
  const retries = props.processorRetries ?? defaults.DEFAULT_PROCESSOR_RETRIES;
  if (!Number.isInteger(retries) || retries < defaults.MIN_PROCESSOR_RETRIES || retries > defaults.MAX_PROCESSOR_RETRIES) {
    throw new Error(`processorRetries must be a whole number from 3 to 300; got ${retries}.`);
  }
  const memory = props.functionMemorySize ?? defaults.DEFAULT_FUNCTION_MEMORY_MB;
  if (!Number.isInteger(memory) || memory < defaults.MIN_FUNCTION_MEMORY_MB || memory > 10240) {
    throw new Error(
      `functionMemorySize must be a whole number of MB from ${defaults.MIN_FUNCTION_MEMORY_MB} to 10240 (below that a ` +
        `worst-case record cannot be bounded; see docs/performance.md); got ${memory}.`,
    );
  }
  const processorSize = (props.processorBufferSize ?? defaults.DEFAULT_PROCESSOR_BUFFER_SIZE).toKibibytes();
  if (processorSize < 0.2 * 1024 || processorSize > 3 * 1024) {
    throw new Error(`processorBufferSize must be between 0.2 and 3 MiB; got ${processorSize / 1024} MiB.`);
  }
  const processorInterval = (props.processorBufferInterval ?? defaults.DEFAULT_PROCESSOR_BUFFER_INTERVAL).toSeconds();
  if (processorInterval < 0 || processorInterval > 900) {
    throw new Error(`processorBufferInterval must be between 0 and 900 seconds; got ${processorInterval}.`);
  }
  const deliverySize = (props.deliveryBufferSize ?? defaults.DEFAULT_DELIVERY_BUFFER_SIZE).toMebibytes({ rounding: SizeRoundingBehavior.NONE });
  if (!Number.isInteger(deliverySize) || deliverySize < 1 || deliverySize > 128) {
    throw new Error(`deliveryBufferSize must be a whole number of MiB from 1 to 128; got ${deliverySize}.`);
  }
  const deliveryInterval = (props.deliveryBufferInterval ?? defaults.DEFAULT_DELIVERY_BUFFER_INTERVAL).toSeconds();
  if (deliveryInterval < 0 || deliveryInterval > 900) {
    throw new Error(`deliveryBufferInterval must be between 0 and 900 seconds; got ${deliveryInterval}.`);
  }
  const transitionAfter = props.transitionAfter ?? defaults.DEFAULT_TRANSITION_AFTER;
  if (props.expireAfter && props.expireAfter.toDays() <= transitionAfter.toDays()) {
    throw new Error(
      `expireAfter (${props.expireAfter.toDays()} days) must be longer than transitionAfter ` +
        `(${transitionAfter.toDays()} days).`,
    );
  }
}

/**
 * `kms:Decrypt` on each activity stream's key, only under the encryption context of the databases
 * that stream with it. One statement per key and context key: `aws:rds:dbc-id` and `aws:rds:db-id`
 * conditions in one statement would both have to hold.
 */
function decryptStatements(sources: ResolvedSource[]): iam.PolicyStatement[] {
  const groups = new Map<string, { keyArn: string; contextKey: string; resourceIds: string[] }>();
  for (const source of sources) {
    const contextKey = encryptionContextKeyFor(source.resourceId);
    const id = `${source.key.keyArn}|${contextKey}`;
    const group = groups.get(id) ?? { keyArn: source.key.keyArn, contextKey, resourceIds: [] };
    group.resourceIds.push(source.resourceId);
    groups.set(id, group);
  }
  return [...groups.values()].map(
    (group) =>
      new iam.PolicyStatement({
        actions: ['kms:Decrypt'],
        resources: [group.keyArn],
        conditions: {
          StringEquals: {
            [`kms:EncryptionContext:${group.contextKey}`]:
              group.resourceIds.length === 1 ? group.resourceIds[0] : group.resourceIds,
          },
        },
      }),
  );
}

function functionEnvironment(
  props: DasFirehosePipelineProps,
  sources: ResolvedSource[],
  bucket: s3.IBucket,
): Record<string, string> {
  const keyArns = new Set(sources.map((source) => source.key.keyArn));
  const environment: Record<string, string> = {
    BUCKET_NAME: bucket.bucketName,
    // One key for every database, or <resourceId>=<keyArn> pairs when they stream with different keys.
    KMS_KEY_ARN:
      keyArns.size === 1
        ? sources[0].key.keyArn
        : sources.map((source) => `${source.resourceId}=${source.key.keyArn}`).join(','),
    POWERTOOLS_SERVICE_NAME: defaults.SERVICE_NAME,
    POWERTOOLS_LOG_LEVEL: props.logLevel ?? defaults.DEFAULT_LOG_LEVEL,
    NODE_OPTIONS: '--enable-source-maps',
  };
  if (sources.length === 1 && sources[0].resourceIdGiven) environment.RESOURCE_ID = sources[0].resourceId;
  const lists: Array<[string, string[] | undefined]> = [
    ['DROP_CLASSES', props.dropClasses],
    ['DROP_COMMANDS', props.dropCommands],
    ['DROP_USERS', props.dropUsers],
  ];
  for (const [name, values] of lists) {
    const cleaned = (values ?? []).map((value) => value.trim()).filter((value) => value.length > 0);
    if (cleaned.length > 0) environment[name] = cleaned.join(',');
  }
  return environment;
}

function logicalIdOf(bucket: s3.Bucket): string {
  return Stack.of(bucket).getLogicalId(bucket.node.defaultChild as s3.CfnBucket);
}
