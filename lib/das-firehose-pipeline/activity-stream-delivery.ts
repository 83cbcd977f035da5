import { ArnFormat, Aws, RemovalPolicy, SizeRoundingBehavior, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import * as defaults from '../defaults';
import type { ActivityStreamDelivery, DasFirehosePipelineProps } from './props';
import { nagArnOf } from './transform-function';
import type { ResolvedSource } from './resolved';

/** What every delivery stream of the pipeline shares. */
export interface DeliveryTargets {
  readonly bucket: s3.IBucket;
  readonly transformFunction: lambda.IFunction;
  /** One log group for all delivery streams, one log stream each. */
  readonly logGroup: logs.ILogGroup;
}

/**
 * One Firehose delivery stream for one activity stream, with a role of its own that may read that
 * stream only, invoke the transformer only, and write only under `firehose/`. Its resources sit in a
 * scope named after the database (`<pipeline>/<resourceId>/…`, as they always have, or `<pipeline>/<name>/…`
 * for a database source, whose resource ID is known only at deployment).
 */
export function activityStreamDelivery(
  pipeline: Construct,
  props: DasFirehosePipelineProps,
  source: ResolvedSource,
  targets: DeliveryTargets,
): ActivityStreamDelivery {
  // Existing stacks keep their `<resourceId>` scope; a resource ID known only at deployment uses the source's name.
  const scope = new Construct(pipeline, source.scopeId);
  const { bucket, transformFunction, logGroup } = targets;
  const logStream = new logs.LogStream(scope, 'LogStream', {
    logGroup,
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
        resources: [transformFunction.functionArn],
      }),
      new iam.PolicyStatement({
        sid: 'LocateBucket',
        actions: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'],
        resources: [bucket.bucketArn],
      }),
      new iam.PolicyStatement({
        sid: 'WriteFirehosePrefix',
        actions: ['s3:AbortMultipartUpload', 's3:GetObject', 's3:PutObject'],
        resources: [bucket.arnForObjects(`${defaults.FIREHOSE_PREFIX}*`)],
      }),
      new iam.PolicyStatement({
        sid: 'LogDeliveryErrors',
        actions: ['logs:PutLogEvents'],
        resources: [
          Stack.of(scope).formatArn({
            service: 'logs',
            resource: 'log-group',
            resourceName: `${logGroup.logGroupName}:log-stream:${logStream.logStreamName}`,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ],
      }),
    ],
  });
  bucket.encryptionKey?.grantEncryptDecrypt(role);
  Validations.of(policy).acknowledge({
    id: `AwsSolutions-IAM5[Resource::${nagArnOf(bucket)}/${defaults.FIREHOSE_PREFIX}*]`,
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
    kinesisStreamSourceConfiguration: { kinesisStreamArn: source.stream.streamArn, roleArn: role.roleArn },
    extendedS3DestinationConfiguration: {
      bucketArn: bucket.bucketArn,
      roleArn: role.roleArn,
      prefix: defaults.firehoseOkPrefix(source.resourceId),
      errorOutputPrefix: defaults.firehoseErrorOutputPrefix(source.resourceId),
      // Ok data is one receipt line per record (uncompressed, so the transformer spends nothing on it);
      // Firehose gzips each delivered object as one stream, which is smaller than gzip per record.
      compressionFormat: 'GZIP',
      fileExtension: defaults.FIREHOSE_FILE_EXTENSION,
      bufferingHints: { sizeInMBs: deliveryBufferSize.toMebibytes(), intervalInSeconds: deliveryBufferInterval.toSeconds() },
      cloudWatchLoggingOptions: { enabled: true, logGroupName: logGroup.logGroupName, logStreamName: logStream.logStreamName },
      s3BackupMode: 'Disabled',
      processingConfiguration: {
        enabled: true,
        // The transformer alone: no AppendDelimiterToRecord, since each receipt already ends its line.
        processors: [
          {
            type: 'Lambda',
            parameters: [
              { parameterName: 'LambdaArn', parameterValue: transformFunction.functionArn },
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

  return {
    resourceId: source.resourceId,
    stream: source.stream,
    deliveryStream,
    role,
  };
}
