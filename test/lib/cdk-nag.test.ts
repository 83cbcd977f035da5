import { App, Stack, Validations } from 'aws-cdk-lib';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { DasFirehosePipeline } from '../../lib/das-firehose-pipeline';
import { AwsSolutionsChecks } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { INSTANCE_STREAM_ARN, KEY_ARN, OTHER_KEY_ARN, STREAM_ARN, synthApp } from './synth-app';

/** Every acknowledgement recorded in the tree: rule ID, reason and where. */
function acknowledgements(root: IConstruct): Array<{ id: string; reason: string; path: string }> {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({ id, reason, path: construct.node.path })),
      ),
  );
}

describe('cdk-nag AwsSolutions', () => {
  // The widest configuration: several databases and keys, an alarm topic, Object Lock, alerts on a bus
  // the stack creates with every rule in force and the high-severity rule to the topic.
  const context = {
    dasStreamArn: `${STREAM_ARN},${INSTANCE_STREAM_ARN}`,
    kmsKeyArn: `${KEY_ARN},${OTHER_KEY_ARN}`,
    alarmEmail: 'dba@example.com',
    objectLockDays: '365',
    alertEventBus: 'create',
    privilegedUsers: 'admin',
  };
  let app: App;

  beforeAll(() => {
    ({ app } = synthApp(context));
  });

  it('finds nothing unacknowledged in the app', () => {
    const report = new AwsSolutionsChecks(app).validateScope(app);
    expect(report.violations.map((violation) => `${violation.ruleName} at ${violation.violatingResources.map((r) => r.constructPath)}`)).toEqual([]);
    expect(report.success).toBe(true);
  });

  it('finds nothing unacknowledged in the default configuration either', () => {
    const { app: plain } = synthApp({ dasStreamArn: STREAM_ARN, kmsKeyArn: KEY_ARN });
    expect(new AwsSolutionsChecks(plain).validateScope(plain).violations).toEqual([]);
  });

  it('finds nothing unacknowledged with a bucket the caller brings and alarms off', () => {
    const theirs = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(theirs, 'TheirStack');
    new DasFirehosePipeline(stack, 'Audit', {
      activityStreams: [{ stream: kinesis.Stream.fromStreamArn(stack, 'S', STREAM_ARN), key: kms.Key.fromKeyArn(stack, 'K', KEY_ARN) }],
      bucket: s3.Bucket.fromBucketName(stack, 'Existing', 'their-audit-bucket'),
      alarms: false,
    });
    const report = new AwsSolutionsChecks(theirs).validateScope(theirs);
    expect(report.violations.map((violation) => `${violation.ruleName}: ${violation.violatingResources.map((r) => r.locations.join(' '))}`)).toEqual([]);
  });

  it('lets synthesis pass with the checks registered as a validation plugin', () => {
    const { app: checked } = synthApp(context);
    Validations.of(checked).addPlugins(new AwsSolutionsChecks(checked));
    expect(() => checked.synth({ force: true })).not.toThrow();
  });

  it('carries a reason with every acknowledgement, and acknowledges only what the design needs', () => {
    const acks = acknowledgements(app);
    for (const ack of acks) expect(ack.reason.length).toBeGreaterThan(40);
    const ids = [...new Set(acks.map((ack) => ack.id.replace(/^annotation::/i, '').replace(/<[^>]+>/, '<Bucket>')))].sort();
    expect(ids).toEqual([
      // CDK's bucket notifications handler, which adds the alert outbox's notification (its partition token reads as <Bucket> here).
      'AwsSolutions-IAM4[Policy::arn:<Bucket>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      'AwsSolutions-IAM5[Resource::*]',
      'AwsSolutions-IAM5[Resource::<Bucket>/*]',
      'AwsSolutions-IAM5[Resource::<Bucket>/alerts/pending/*]',
      'AwsSolutions-IAM5[Resource::<Bucket>/alerts/refused/*]',
      'AwsSolutions-IAM5[Resource::<Bucket>/alerts/unreadable/*]',
      'AwsSolutions-IAM5[Resource::<Bucket>/events/*]',
      'AwsSolutions-IAM5[Resource::<Bucket>/firehose/*]',
      'AwsSolutions-IAM5[Resource::<Bucket>/firehose/failed/*]',
      'AwsSolutions-IAM5[Resource::<Bucket>/firehose/ok/*]',
      'AwsSolutions-IAM5[Resource::<Bucket>/firehose/replayed/*]',
      'AwsSolutions-IAM5[Resource::<Bucket>/firehose/unreplayable/*]',
      'AwsSolutions-IAM5[Resource::<Bucket>/journal/*]',
      'AwsSolutions-IAM5[Resource::<Bucket>/tables/all_events/*]',
      'AwsSolutions-KDF1',
      'AwsSolutions-S1',
      'AwsSolutions-SNS2',
    ]);
  });
});
