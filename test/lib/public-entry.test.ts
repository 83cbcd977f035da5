import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
// The package's public entry point (package.json `exports`), as another CDK app imports it.
import { DasFirehosePipeline } from '../../lib';

const STREAM = 'arn:aws:kinesis:eu-west-1:111122223333:stream/aws-rds-das-cluster-ABCDEFGHIJKLMNOP';
const KEY = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

function theirApp(props: { dashboard?: boolean } = {}) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'TheirAuditStack', { env: { account: '111122223333', region: 'eu-west-1' } });
  const pipeline = new DasFirehosePipeline(stack, 'AuditLog', {
    activityStreams: [{ stream: kinesis.Stream.fromStreamArn(stack, 'Stream', STREAM), key: kms.Key.fromKeyArn(stack, 'Key', KEY) }],
    bucket: s3.Bucket.fromBucketName(stack, 'Existing', 'their-existing-audit-bucket'),
    alarms: false,
    ...props,
  });
  return { stack, pipeline, template: Template.fromStack(stack) };
}

describe('the construct from another CDK app, through the package entry point', () => {
  it('builds with an existing bucket and alarms off: no bucket, no alarm, the function writing into their bucket', () => {
    const { template } = theirApp();
    template.resourceCountIs('AWS::S3::Bucket', 2); // the query results bucket and the all_events table's only
    template.resourceCountIs('AWS::CloudWatch::Alarm', 0);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ BUCKET_NAME: 'their-existing-audit-bucket', KMS_KEY_ARN: KEY }) },
    });
  });

  it('offers metric*() methods with the namespace and dimensions the transformer emits', () => {
    const { pipeline, stack } = theirApp();
    const resolve = (metric: cloudwatch.IMetric) => stack.resolve((metric as cloudwatch.Metric).toMetricConfig().metricStat);
    expect(resolve(pipeline.metricEvents())).toMatchObject({ namespace: 'DasFirehose', metricName: 'Events', dimensions: [{ name: 'service', value: 'das-firehose' }] });
    expect(resolve(pipeline.metricEvents({ resourceId: 'cluster-ABCDEFGHIJKLMNOP', eventClass: 'DDL' }))).toMatchObject({
      dimensions: expect.arrayContaining([{ name: 'Resource', value: 'cluster-ABCDEFGHIJKLMNOP' }, { name: 'Class', value: 'DDL' }]),
    });
    expect(resolve(pipeline.metricAlertMatches('failed-login'))).toMatchObject({ metricName: 'AlertMatches', dimensions: expect.arrayContaining([{ name: 'Rule', value: 'failed-login' }]) });
    expect(resolve(pipeline.metricRecordsFailed())).toMatchObject({ metricName: 'RecordsFailed', statistic: 'Sum' });
    expect(resolve(pipeline.metricDeliveryFreshness())).toMatchObject({ namespace: 'AWS/Firehose', metricName: 'DeliveryToS3.DataFreshness', statistic: 'Maximum' });
    expect(pipeline.metricErrorOutputObjects()).toBeUndefined(); // their bucket has no filter of ours
    expect(() => pipeline.metricEvents({ eventClass: 'DDL' })).toThrow('give its resourceId too');
  });

  it('has a dashboard of those metrics by default, and none with dashboard: false', () => {
    const { template } = theirApp();
    const body = JSON.stringify(template.findResources('AWS::CloudWatch::Dashboard'));
    for (const title of ['Events stored per minute, by class', 'Alert matches per minute, by rule', 'Delivery freshness', 'Transformer: duration']) expect(body).toContain(title);
    expect(body).toContain('MetricName=\\\\\\"Events\\\\\\"');
    theirApp({ dashboard: false }).template.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
  });
});
