import { App, Duration, RemovalPolicy, Size, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { ActivityStreamSource, DasFirehosePipeline, DasFirehosePipelineProps } from '../../lib/das-firehose-pipeline';
import { INSTANCE_STREAM_ARN, KEY_ARN, OTHER_KEY_ARN, STREAM_ARN, synthApp } from './synth-app';

const SECOND_CLUSTER_ARN = 'arn:aws:kinesis:us-east-1:123456789012:stream/aws-rds-das-cluster-MNOPQRSTUVWX';

describe('DasFirehosePipeline with several databases', () => {
  let template: Template;

  beforeAll(() => {
    // Two Aurora clusters sharing a key, and an RDS for Oracle instance streaming with its own key.
    ({ template } = synthApp({
      dasStreamArn: [STREAM_ARN, SECOND_CLUSTER_ARN, INSTANCE_STREAM_ARN].join(','),
      kmsKeyArn: [KEY_ARN, KEY_ARN, OTHER_KEY_ARN].join(','),
    }));
  });

  it('creates one delivery stream per activity stream, sharing one transformer and one audit bucket', () => {
    template.resourceCountIs('AWS::KinesisFirehose::DeliveryStream', 3);
    // The transformer, the replay function, the alert publisher, and CDK's bucket notifications handler.
    template.resourceCountIs('AWS::Lambda::Function', 4);
    template.resourceCountIs('AWS::S3::Bucket', 4); // the audit bucket, its access-logs bucket, the query results bucket, the all_events table's bucket
    const sources = Object.values(template.findResources('AWS::KinesisFirehose::DeliveryStream')).map(
      (stream) => stream.Properties.KinesisStreamSourceConfiguration.KinesisStreamARN,
    );
    expect(sources.sort()).toEqual([STREAM_ARN, SECOND_CLUSTER_ARN, INSTANCE_STREAM_ARN].sort());
  });

  it('gives each delivery stream a role that reads its own stream only', () => {
    const streams = Object.values(template.findResources('AWS::KinesisFirehose::DeliveryStream'));
    const roleIds = new Set(streams.map((stream) => stream.Properties.KinesisStreamSourceConfiguration.RoleARN['Fn::GetAtt'][0]));
    expect(roleIds.size).toBe(3);
    for (const stream of streams) {
      const roleId = stream.Properties.KinesisStreamSourceConfiguration.RoleARN['Fn::GetAtt'][0];
      const policies = Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } }));
      const kinesisResources = policies
        .flatMap((policy) => policy.Properties.PolicyDocument.Statement)
        .filter((statement: { Sid?: string }) => statement.Sid === 'ReadActivityStream')
        .map((statement: { Resource: unknown }) => statement.Resource);
      expect(kinesisResources).toEqual([stream.Properties.KinesisStreamSourceConfiguration.KinesisStreamARN]);
    }
  });

  it('lets the function decrypt with each key only under the contexts of the databases using it', () => {
    const decrypts = Object.values(template.findResources('AWS::IAM::Policy'))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement)
      .filter((statement: { Action: unknown }) => statement.Action === 'kms:Decrypt');
    expect(decrypts).toEqual(
      expect.arrayContaining([
        {
          Action: 'kms:Decrypt',
          Effect: 'Allow',
          Resource: KEY_ARN,
          Condition: { StringEquals: { 'kms:EncryptionContext:aws:rds:dbc-id': ['cluster-ABCDEFGHIJKL', 'cluster-MNOPQRSTUVWX'] } },
        },
        {
          Action: 'kms:Decrypt',
          Effect: 'Allow',
          Resource: OTHER_KEY_ARN,
          Condition: { StringEquals: { 'kms:EncryptionContext:aws:rds:db-id': 'db-MNOPQRSTUVWX' } },
        },
      ]),
    );
    // Two for the transformer's role, the same two for the replay function's.
    expect(decrypts).toHaveLength(4);
  });

  it('tells the function which key each resource uses, and sets no RESOURCE_ID', () => {
    const variables = Object.values(template.findResources('AWS::Lambda::Function'))[0].Properties.Environment.Variables;
    expect(variables.KMS_KEY_ARN).toBe(
      `cluster-ABCDEFGHIJKL=${KEY_ARN},cluster-MNOPQRSTUVWX=${KEY_ARN},db-MNOPQRSTUVWX=${OTHER_KEY_ARN}`,
    );
    expect(variables.RESOURCE_ID).toBeUndefined();
  });

  it('alarms on processing and freshness per delivery stream, and lists every stream in the output', () => {
    // Two for the pipeline, two per delivery stream, the all_events loader's, one per built-in alert rule in
    // force (not per database), three on the alert outbox.
    template.resourceCountIs('AWS::CloudWatch::Alarm', 2 + 2 * 3 + 1 + 3 + 3);
    const output = template.findOutputs('DeliveryStreamName').DeliveryStreamName.Value;
    expect(output['Fn::Join'][0]).toBe(',');
    expect(output['Fn::Join'][1]).toHaveLength(3);
  });
});

describe('DasFirehosePipeline props', () => {
  const make = (overrides: Partial<DasFirehosePipelineProps> = {}, streams?: (stack: Stack) => ActivityStreamSource[]) => {
    const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Test');
    const activityStreams = streams
      ? streams(stack)
      : [{ stream: kinesis.Stream.fromStreamArn(stack, 'S', STREAM_ARN), key: kms.Key.fromKeyArn(stack, 'K', KEY_ARN) }];
    return () => new DasFirehosePipeline(stack, 'Pipeline', { activityStreams, ...overrides });
  };

  it('fails on a function timeout Firehose would not wait for, or too short to retry', () => {
    expect(make({ functionTimeout: Duration.minutes(6) })).toThrow('functionTimeout must be from 60 to 300 seconds (Firehose waits at most 5 minutes); got 360.');
    expect(make({ functionTimeout: Duration.seconds(3) })).toThrow('functionTimeout must be from 60 to 300 seconds (Firehose waits at most 5 minutes); got 3.');
  });

  it('fails on fewer than 3 processor retries', () => {
    expect(make({ processorRetries: 1 })).toThrow('processorRetries must be a whole number of retries from 3 to 300; got 1.');
  });

  it('fails on processor buffers Firehose does not accept', () => {
    expect(make({ processorBufferInterval: Duration.minutes(20) })).toThrow('processorBufferInterval must be from 0 to 900 seconds; got 1200.');
    expect(make({ processorBufferSize: Size.mebibytes(4) })).toThrow('processorBufferSize must be from 0.2 to 3 MiB; got 4.');
  });

  it('fails on less memory than a worst-case record needs, and on an unknown log level', () => {
    expect(make({ functionMemorySize: 256 })).toThrow('functionMemorySize must be a whole number of MB from 512 to 10240');
    expect(make({ logLevel: 'chatty' as never })).toThrow('logLevel must be one of DEBUG, INFO, WARN, ERROR; got "chatty".');
  });

  it('reports every problem at once', () => {
    expect(make({ processorRetries: 1, functionMemorySize: 256, expireAfter: Duration.days(30) })).toThrow(
      expect.objectContaining({ name: 'PipelinePropsError', problems: expect.arrayContaining([expect.any(String), expect.any(String), expect.any(String)]) }),
    );
  });

  it('fails when objects would expire before they transition', () => {
    expect(make({ expireAfter: Duration.days(30) })).toThrow(/expireAfter \(30 days\) must be longer than transitionAfter \(90 days\)/);
  });

  it('fails without activity streams', () => {
    expect(make({}, () => [])).toThrow(/at least one activity stream/);
  });

  it('fails on a stream whose name carries no resource ID, unless one is given', () => {
    const renamed = 'arn:aws:kinesis:us-east-1:123456789012:stream/renamed';
    expect(
      make({}, (stack) => [{ stream: kinesis.Stream.fromStreamArn(stack, 'S', renamed), key: kms.Key.fromKeyArn(stack, 'K', KEY_ARN) }]),
    ).toThrow(/cannot tell the resource ID from the stream name "renamed"/);
  });

  it('fails on a resourceId with several streams, and on the same database twice', () => {
    const two = (resourceId?: string, second = INSTANCE_STREAM_ARN) => (stack: Stack) => [
      { stream: kinesis.Stream.fromStreamArn(stack, 'S1', STREAM_ARN), key: kms.Key.fromKeyArn(stack, 'K', KEY_ARN), resourceId },
      { stream: kinesis.Stream.fromStreamArn(stack, 'S2', second), key: kms.Key.fromKeyArn(stack, 'K2', KEY_ARN) },
    ];
    expect(make({}, two('cluster-ABCDEFGHIJKL'))).toThrow('A resource ID can only be given with a single activity stream');
    expect(make({}, two(undefined, STREAM_ARN))).toThrow(/listed twice/);
  });
});

describe('DasFirehosePipeline in someone else\'s app', () => {
  /** A fresh app and stack, as another project would have, with nothing of this repository's app around it. */
  function build(overrides: Partial<DasFirehosePipelineProps>) {
    const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'TheirStack');
    const pipeline = new DasFirehosePipeline(stack, 'Audit', {
      activityStreams: [{ stream: kinesis.Stream.fromStreamArn(stack, 'S', STREAM_ARN), key: kms.Key.fromKeyArn(stack, 'K', KEY_ARN) }],
      ...(typeof overrides === 'function' ? {} : overrides),
    });
    return { stack, pipeline, template: () => Template.fromStack(stack) };
  }

  it('uses an existing bucket: creates no audit bucket, writes into the one given, and grants only its prefixes', () => {
    const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'TheirStack');
    const bucket = s3.Bucket.fromBucketName(stack, 'Existing', 'their-audit-bucket');
    const pipeline = new DasFirehosePipeline(stack, 'Audit', {
      activityStreams: [{ stream: kinesis.Stream.fromStreamArn(stack, 'S', STREAM_ARN), key: kms.Key.fromKeyArn(stack, 'K', KEY_ARN) }],
      bucket,
      alarms: false,
    });
    const template = Template.fromStack(stack);
    // Only the query results bucket and the all_events table's: both are kept apart from the audit log.
    expect(Object.keys(template.findResources('AWS::S3::Bucket'))).toEqual([expect.stringContaining('AllEventsBucket'), expect.stringContaining('QueryResultsBucket')]);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 0);
    expect(pipeline.bucket).toBe(bucket);
    expect(pipeline.accessLogsBucket).toBeUndefined();
    expect(pipeline.alarms).toEqual([]);
    template.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ BUCKET_NAME: 'their-audit-bucket' }) } });
    template.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
      ExtendedS3DestinationConfiguration: Match.objectLike({ BucketARN: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::their-audit-bucket']] } }),
    });
  });

  it('refuses bucket settings given with an existing bucket, naming them', () => {
    const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'TheirStack');
    expect(
      () =>
        new DasFirehosePipeline(stack, 'Audit', {
          activityStreams: [{ stream: kinesis.Stream.fromStreamArn(stack, 'S', STREAM_ARN), key: kms.Key.fromKeyArn(stack, 'K', KEY_ARN) }],
          bucket: s3.Bucket.fromBucketName(stack, 'Existing', 'their-audit-bucket'),
          expireAfter: Duration.days(400),
          bucketRemovalPolicy: RemovalPolicy.DESTROY,
        }),
    ).toThrow('expireAfter, bucketRemovalPolicy apply to a bucket the pipeline creates; with an existing bucket, set them on that bucket instead.');
  });

  it('creates its alarms by default, and none with alarms off', () => {
    expect(build({}).template().findResources('AWS::CloudWatch::Alarm')).not.toEqual({});
    build({ alarms: false }).template().resourceCountIs('AWS::CloudWatch::Alarm', 0);
  });

  it('runs code it is given instead of bundling its own', () => {
    const { template } = build({ code: lambda.Code.fromInline('exports.handler = async () => ({ records: [] });') });
    template().hasResourceProperties('AWS::Lambda::Function', { Handler: 'index.handler', Code: { ZipFile: Match.stringLikeRegexp('exports.handler') } });
  });

  it('grants reading the audit log and Firehose\'s output by prefix, nothing else', () => {
    const { stack, pipeline } = build({});
    const auditor = new iam.Role(stack, 'Auditor', { assumedBy: new iam.AccountRootPrincipal() });
    pipeline.grantReadEvents(auditor);
    pipeline.grantReadFirehoseOutput(auditor);
    const statements = Template.fromStack(stack).toJSON().Resources;
    const policy = Object.values(statements as Record<string, { Type: string; Properties: any }>).find(
      (resource) => resource.Type === 'AWS::IAM::Policy' && JSON.stringify(resource.Properties.Roles).includes('Auditor'),
    )!;
    const resources = policy.Properties.PolicyDocument.Statement.flatMap((statement: { Resource: unknown }) => statement.Resource);
    const objectPatterns = resources.filter((resource: unknown) => JSON.stringify(resource).includes('/')).map((resource: unknown) => JSON.stringify(resource));
    expect(objectPatterns).toHaveLength(2);
    expect(objectPatterns.some((pattern: string) => pattern.includes('/events/*'))).toBe(true);
    expect(objectPatterns.some((pattern: string) => pattern.includes('/firehose/*'))).toBe(true);
    const actions = new Set(policy.Properties.PolicyDocument.Statement.flatMap((statement: { Action: string | string[] }) => statement.Action));
    expect([...actions].every((action) => /^s3:(Get|List)/.test(String(action)))).toBe(true);
  });
});
