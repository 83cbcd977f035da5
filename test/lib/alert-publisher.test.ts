import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { loadAlertPublisherConfig } from '../../lambda/alert-publisher-config';
import { DasFirehosePipeline } from '../../lib/das-firehose-pipeline';
import { KEY_ARN, STREAM_ARN, synthApp, renderValue } from './synth-app';

type Json = any;

const BASE = { dasStreamArn: STREAM_ARN, kmsKeyArn: KEY_ARN };


function publisherOf(template: Template): { id: string; fn: Json } {
  const found = Object.entries(template.findResources('AWS::Lambda::Function')).filter(([, fn]: [string, Json]) => fn.Properties.Handler === 'index.alertPublisherHandler');
  expect(found).toHaveLength(1);
  const [id, fn] = found[0] as [string, Json];
  return { id, fn };
}

/** The statements of a role's policies, logs left out, each with its actions sorted and its resources rendered. */
function statementsOf(template: Template, roleId: string): Json[] {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((policy: Json) => JSON.stringify(policy.Properties.Roles).includes(roleId))
    .flatMap((policy: Json) => policy.Properties.PolicyDocument.Statement as Json[])
    .filter((statement) => !JSON.stringify(statement.Action).includes('logs:'))
    .map((statement) => ({
      ...(statement.Sid ? { Sid: statement.Sid } : {}),
      Action: [statement.Action].flat().sort(),
      Resource: [statement.Resource].flat().map(renderValue).sort(),
      ...(statement.Condition ? { Condition: statement.Condition } : {}),
    }));
}

const PRODUCT = 'arn:${AWS::Partition}:securityhub:${AWS::Region}:${AWS::AccountId}:product/${AWS::AccountId}/default';

describe('the alert publisher', () => {
  let template: Template;
  let publisher: { id: string; fn: Json };
  let bucket: string;

  beforeAll(() => {
    ({ template } = synthApp({ ...BASE, alarmEmail: 'dba@example.com' }));
    publisher = publisherOf(template);
    bucket = Object.keys(template.findResources('AWS::S3::Bucket')).find((id) => id.startsWith('PipelineBucket')) as string;
  });

  it('may list and read the outbox, list (not read) events/, retire what it sent, set aside what it cannot send, and put events on the bus: nothing else', () => {
    const objects = (prefix: string) => `\${${bucket}.Arn}/${prefix}*`;
    expect(statementsOf(template, publisher.fn.Properties.Role['Fn::GetAtt'][0])).toEqual([
      { Sid: 'ListOutbox', Action: ['s3:ListBucket'], Resource: [`\${${bucket}.Arn}`], Condition: { StringLike: { 's3:prefix': ['alerts/pending/*'] } } },
      { Sid: 'SeeEventsStored', Action: ['s3:ListBucket'], Resource: [`\${${bucket}.Arn}`], Condition: { StringLike: { 's3:prefix': ['events/*'] } } },
      { Sid: 'ReadAndRetireOutbox', Action: ['s3:DeleteObject', 's3:GetObject'], Resource: [objects('alerts/pending/')] },
      { Sid: 'SetAsideOutbox', Action: ['s3:PutObject'], Resource: [objects('alerts/refused/'), objects('alerts/unreadable/')] },
      { Sid: 'PutAlertEvents', Action: ['events:PutEvents'], Resource: ['arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/default'] },
    ]);
  });

  it('is deployed before the functions that write the outbox, which it must meet able to wait for their events', () => {
    // The project's own functions (CDK's notifications handler is index.handler too, inline).
    const writers = Object.values(template.findResources('AWS::Lambda::Function')).filter(
      (fn: Json) => fn.Properties.Code.S3Key && ['index.handler', 'index.replayHandler'].includes(fn.Properties.Handler),
    );
    expect(writers).toHaveLength(2);
    for (const writer of writers as Json[]) expect(writer.DependsOn).toContain(publisher.id);
  });

  it('runs the shared bundle\'s alertPublisherHandler, with a small reserved concurrency and the settings it reads', () => {
    const replay = Object.values(template.findResources('AWS::Lambda::Function')).find((fn: Json) => fn.Properties.Handler === 'index.replayHandler') as Json;
    expect(publisher.fn.Properties.Code).toEqual(replay.Properties.Code);
    expect(publisher.fn.Properties.ReservedConcurrentExecutions).toBe(2);
    const variables = publisher.fn.Properties.Environment.Variables;
    expect(variables).toEqual({
      POWERTOOLS_SERVICE_NAME: 'das-firehose-alerts',
      NODE_OPTIONS: '--enable-source-maps',
      BUCKET_NAME: { Ref: bucket },
      POWERTOOLS_LOG_LEVEL: 'INFO',
      METRICS_NAMESPACE: 'DasFirehose',
      ALERT_EVENT_BUS: expect.anything(),
    });
    const config = loadAlertPublisherConfig(Object.fromEntries(Object.entries(variables).map(([key, value]) => [key, typeof value === 'string' ? value : 'resolved'])));
    expect(config.securityHub).toBe(false);
  });

  it('is invoked by the bucket\'s notification for new .json objects under alerts/pending/, and by a sweep every 5 minutes', () => {
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      BucketName: { Ref: bucket },
      NotificationConfiguration: {
        LambdaFunctionConfigurations: [
          {
            Events: ['s3:ObjectCreated:*'],
            Filter: { Key: { FilterRules: [{ Name: 'suffix', Value: '.json' }, { Name: 'prefix', Value: 'alerts/pending/' }] } },
            LambdaFunctionArn: { 'Fn::GetAtt': [publisher.id, 'Arn'] },
          },
        ],
      },
    });
    template.hasResourceProperties('AWS::Lambda::Permission', { FunctionName: { 'Fn::GetAtt': [publisher.id, 'Arn'] }, Principal: 's3.amazonaws.com' });
    const schedules = Object.values(template.findResources('AWS::Events::Rule')).filter((rule: Json) => rule.Properties.ScheduleExpression);
    expect(schedules.map((rule: Json) => [rule.Properties.ScheduleExpression, rule.Properties.Targets.map((target: Json) => target.Arn)])).toEqual([
      ['rate(5 minutes)', [{ 'Fn::GetAtt': [publisher.id, 'Arn'] }]],
    ]);
  });

  it('alarms on the backlog\'s age (a missing sweep breaches) and on anything refused or unreadable, by the publisher\'s service dimension', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'))
      .map((alarm: Json) => alarm.Properties)
      .filter((alarm) => alarm.Dimensions?.some((dimension: Json) => dimension.Value === 'das-firehose-alerts'));
    const byMetric = Object.fromEntries(alarms.map((alarm) => [alarm.MetricName, alarm]));
    expect(Object.keys(byMetric).sort()).toEqual(['AlertOutboxUnreadable', 'AlertsRefused', 'OldestAlertAgeSeconds']);
    expect(byMetric.OldestAlertAgeSeconds).toMatchObject({ Statistic: 'Maximum', Threshold: 900, ComparisonOperator: 'GreaterThanThreshold', TreatMissingData: 'breaching' });
    for (const name of ['AlertsRefused', 'AlertOutboxUnreadable']) {
      expect(byMetric[name]).toMatchObject({ Statistic: 'Sum', Threshold: 0, ComparisonOperator: 'GreaterThanThreshold', TreatMissingData: 'notBreaching' });
    }
    for (const alarm of alarms) {
      expect(alarm.Dimensions).toEqual([{ Name: 'service', Value: 'das-firehose-alerts' }]);
      expect(alarm.AlarmActions).toHaveLength(1);
    }
  });

  it('lets noncurrent versions under alerts/ expire after a few days', () => {
    const rules = template.findResources('AWS::S3::Bucket')[bucket].Properties.LifecycleConfiguration.Rules as Json[];
    expect(rules.find((rule) => rule.Prefix === 'alerts/')).toMatchObject({ Status: 'Enabled', NoncurrentVersionExpiration: { NoncurrentDays: 3 } });
  });

  it('has no Security Hub permission or setting unless asked', () => {
    expect(JSON.stringify(template.toJSON())).not.toContain('securityhub');
    expect(publisher.fn.Properties.Environment.Variables.SECURITY_HUB).toBeUndefined();
  });

  it('with -c securityHub=true may import findings into the account\'s own default product, for the account only', () => {
    const { template: on } = synthApp({ ...BASE, securityHub: 'true' });
    const { fn } = publisherOf(on);
    expect(fn.Properties.Environment.Variables.SECURITY_HUB).toBe('on');
    const statements = statementsOf(on, fn.Properties.Role['Fn::GetAtt'][0]);
    expect(statements.filter((statement) => statement.Action.some((action: string) => action.startsWith('securityhub:')))).toEqual([
      {
        Sid: 'ImportFindings',
        Action: ['securityhub:BatchImportFindings'],
        Resource: [PRODUCT],
        Condition: { StringEquals: { 'securityhub:TargetAccount': { Ref: 'AWS::AccountId' } } },
      },
    ]);
    // No other role may import findings.
    const holders = Object.values(on.findResources('AWS::IAM::Policy')).filter((policy: Json) => JSON.stringify(policy).includes('securityhub:'));
    expect(holders.map((policy: Json) => policy.Properties.Roles)).toEqual([[{ Ref: fn.Properties.Role['Fn::GetAtt'][0] }]]);
  });

  it('refuses securityHub with alerts=false', () => {
    expect(() => synthApp({ ...BASE, alerts: 'false', securityHub: 'true' })).toThrow('securityHub');
  });

  it('adds the notification to a bucket the caller brings too, through CDK\'s notifications custom resource', () => {
    const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'TheirStack');
    new DasFirehosePipeline(stack, 'Audit', {
      activityStreams: [{ stream: kinesis.Stream.fromStreamArn(stack, 'S', STREAM_ARN), key: kms.Key.fromKeyArn(stack, 'K', KEY_ARN) }],
      bucket: s3.Bucket.fromBucketName(stack, 'Existing', 'their-audit-bucket'),
    });
    const theirs = Template.fromStack(stack);
    // Managed: false keeps the notifications the bucket already has.
    theirs.hasResourceProperties('Custom::S3BucketNotifications', { BucketName: 'their-audit-bucket', Managed: false });
  });
});
