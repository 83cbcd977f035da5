import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as kms from 'aws-cdk-lib/aws-kms';
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

  it('creates one delivery stream per activity stream, sharing one function and one audit bucket', () => {
    template.resourceCountIs('AWS::KinesisFirehose::DeliveryStream', 3);
    template.resourceCountIs('AWS::Lambda::Function', 1);
    template.resourceCountIs('AWS::S3::Bucket', 2); // the audit bucket and its access-logs bucket
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
    expect(decrypts).toHaveLength(2);
  });

  it('tells the function which key each resource uses, and sets no RESOURCE_ID', () => {
    const variables = Object.values(template.findResources('AWS::Lambda::Function'))[0].Properties.Environment.Variables;
    expect(variables.KMS_KEY_ARN).toBe(
      `cluster-ABCDEFGHIJKL=${KEY_ARN},cluster-MNOPQRSTUVWX=${KEY_ARN},db-MNOPQRSTUVWX=${OTHER_KEY_ARN}`,
    );
    expect(variables.RESOURCE_ID).toBeUndefined();
  });

  it('alarms on processing and freshness per delivery stream, and lists every stream in the output', () => {
    template.resourceCountIs('AWS::CloudWatch::Alarm', 2 + 2 * 3);
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
    expect(make({ functionTimeout: Duration.minutes(6) })).toThrow(/functionTimeout must be between 60 and 300 seconds/);
    expect(make({ functionTimeout: Duration.seconds(3) })).toThrow(/functionTimeout must be between 60 and 300 seconds/);
  });

  it('fails on fewer than 3 processor retries', () => {
    expect(make({ processorRetries: 1 })).toThrow(/processorRetries must be a whole number from 3 to 300/);
  });

  it('fails on processor buffers Firehose does not accept', () => {
    expect(make({ processorBufferInterval: Duration.minutes(20) })).toThrow(/processorBufferInterval/);
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
    expect(make({}, two('cluster-ABCDEFGHIJKL'))).toThrow(/resourceId can only be given with a single activity stream/);
    expect(make({}, two(undefined, STREAM_ARN))).toThrow(/listed twice/);
  });
});
