import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as kms from 'aws-cdk-lib/aws-kms';
import { DasFirehosePipeline } from '../../lib/das-firehose-pipeline';
import { KEY_ARN, STREAM_ARN, synthApp, renderValue } from './synth-app';

/** The replay function and its role, read from the template: what `npm run replay -- --function` runs with. */

type Json = any;  


describe('the replay function', () => {
  let template: Template;
  let replay: Json;
  let transformer: Json;
  let bucket: string;

  beforeAll(() => {
    let stack;
    ({ template, stack } = synthApp({ dasStreamArn: STREAM_ARN, kmsKeyArn: KEY_ARN }));
    const functions = template.findResources('AWS::Lambda::Function');
    const id = (construct: Json) => stack.resolve(construct.node.defaultChild.logicalId) as string;
    replay = functions[id(stack.pipeline.replayFunction)];
    transformer = functions[id(stack.pipeline.transformFunction)];
    bucket = template.findResources('AWS::KinesisFirehose::DeliveryStream')[
      Object.keys(template.findResources('AWS::KinesisFirehose::DeliveryStream'))[0] as string
    ].Properties.ExtendedS3DestinationConfiguration.BucketARN['Fn::GetAtt'][0];
  });

  it('runs the shared bundle with the transformer\'s settings, for as long as Lambda allows', () => {
    expect(replay.Properties.Handler).toBe('index.replayHandler');
    expect(transformer.Properties.Handler).toBe('index.handler');
    // The bundle of every entry point (lambda/handler.ts), which the alert publisher runs too; the
    // transformer has a bundle of its own (lambda/transformer-entry.ts).
    const publisher = Object.values(template.findResources('AWS::Lambda::Function')).find((fn: Json) => fn.Properties.Handler === 'index.alertPublisherHandler') as Json;
    expect(replay.Properties.Code).toEqual(publisher.Properties.Code);
    expect(replay.Properties.Code).not.toEqual(transformer.Properties.Code);
    expect(replay.Properties.Environment).toEqual(transformer.Properties.Environment);
    expect(replay.Properties.Timeout).toBe(900);
    expect(replay.Properties.Role).not.toEqual(transformer.Properties.Role);
    expect(template.findOutputs('ReplayFunctionName').ReplayFunctionName.Value).toEqual({ Ref: Object.keys(template.findResources('AWS::Lambda::Function')).find((key) => key.includes('ReplayFunction')) });
  });

  it('may read and retire the error output, read the journal, write events, its marks and the Ok copy, set aside what fails for good, decrypt under the context, write the alert outbox: nothing else (no events:PutEvents)', () => {
    const roleId = replay.Properties.Role['Fn::GetAtt'][0];
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((policy: Json) => JSON.stringify(policy.Properties.Roles).includes(roleId))
      .flatMap((policy: Json) => policy.Properties.PolicyDocument.Statement as Json[])
      .filter((statement) => !JSON.stringify(statement.Action).includes('logs:'))
      .map((statement) => ({
        ...(statement.Sid ? { Sid: statement.Sid } : {}),
        Action: [statement.Action].flat().sort(),
        Resource: [statement.Resource].flat().map(renderValue),
        ...(statement.Condition ? { Condition: statement.Condition } : {}),
      }));
    const objects = (prefix: string) => `\${${bucket}.Arn}/${prefix}*`;
    expect(statements).toEqual([
      {
        Sid: 'ListErrorOutputJournalAndMarks',
        Action: ['s3:ListBucket'],
        Resource: [`\${${bucket}.Arn}`],
        Condition: { StringLike: { 's3:prefix': ['firehose/failed/*', 'journal/*', 'firehose/replayed/*'] } },
      },
      { Sid: 'ReadAndRetireErrorOutput', Action: ['s3:DeleteObject', 's3:GetObject'], Resource: [objects('firehose/failed/')] },
      { Sid: 'ReadJournal', Action: ['s3:GetObject'], Resource: [objects('journal/')] },
      { Sid: 'WriteEvents', Action: ['s3:DeleteObject', 's3:PutObject'], Resource: [objects('events/')] },
      { Sid: 'MarkReplayed', Action: ['s3:GetObject', 's3:PutObject'], Resource: [objects('firehose/replayed/')] },
      { Sid: 'WriteOkCopy', Action: ['s3:PutObject'], Resource: [objects('firehose/ok/')] },
      { Sid: 'SetAsideUnreplayable', Action: ['s3:PutObject'], Resource: [objects('firehose/unreplayable/')] },
      {
        Action: ['kms:Decrypt'],
        Resource: [KEY_ARN],
        Condition: { StringEquals: { 'kms:EncryptionContext:aws:rds:dbc-id': 'cluster-ABCDEFGHIJKL' } },
      },
      // A replayed batch raises the alerts its events match: into the outbox, as the transformer does; the publisher sends them.
      { Sid: 'WriteAlertOutbox', Action: ['s3:DeleteObject', 's3:PutObject'], Resource: [objects('alerts/pending/')] },
    ]);
    // Its logs go to a log group of its own, and nothing is attached to the role besides.
    const role = template.findResources('AWS::IAM::Role')[roleId];
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
  });

  it('is left out with replay=false, and so is its output', () => {
    const { template: none, stack } = synthApp({ dasStreamArn: STREAM_ARN, kmsKeyArn: KEY_ARN, replay: 'false' });
    const handlers = Object.values(none.findResources('AWS::Lambda::Function')).map((fn: Json) => fn.Properties.Handler as string);
    expect(handlers).toContain('index.handler');
    expect(handlers).not.toContain('index.replayHandler');
    expect(stack.pipeline.replayFunction).toBeUndefined();
    expect(Object.keys(none.findOutputs('*'))).not.toContain('ReplayFunctionName');
  });

  it('grants re-driving as invoking the function, nothing more', () => {
    const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'TheirStack');
    const pipeline = new DasFirehosePipeline(stack, 'Audit', {
      activityStreams: [{ stream: kinesis.Stream.fromStreamArn(stack, 'S', STREAM_ARN), key: kms.Key.fromKeyArn(stack, 'K', KEY_ARN) }],
    });
    const operator = new iam.Role(stack, 'Operator', { assumedBy: new iam.AccountRootPrincipal() });
    pipeline.grantReplay(operator);
    const statements = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy'))
      .filter((policy: Json) => JSON.stringify(policy.Properties.Roles).includes('Operator'))
      .flatMap((policy: Json) => policy.Properties.PolicyDocument.Statement as Json[]);
    expect(statements.flatMap((statement) => [statement.Action].flat())).toEqual(['lambda:InvokeFunction']);
  });
});
