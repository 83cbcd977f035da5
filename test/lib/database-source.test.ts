import { App, Aws, Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as kms from 'aws-cdk-lib/aws-kms';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ContextError } from '../../lib/context';
import { DasFirehosePipeline } from '../../lib/das-firehose-pipeline';
import { KEY_ARN, STREAM_ARN, synthApp } from './synth-app';

const AURORA = 'arn:aws:rds:us-east-1:111122223333:cluster:my-aurora';
const ORACLE = 'arn:aws:rds:us-east-1:111122223333:db:my-oracle';
const START_KEY = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

type Json = Record<string, unknown>;

// Each context synthesized once: the template tests and cdk-nag read the same app.
const synthesized = new Map<string, ReturnType<typeof synthApp>>();
function synth(context: Record<string, string>): ReturnType<typeof synthApp> {
  const key = JSON.stringify(context);
  if (!synthesized.has(key)) synthesized.set(key, synthApp(context));
  return synthesized.get(key) as ReturnType<typeof synthApp>;
}
const STARTED = { database: AURORA, startActivityStream: 'true' };
const STARTED_WITH_KEY = { database: ORACLE, startActivityStream: 'true', activityStreamKeyArn: START_KEY, stopActivityStreamOnDelete: 'true' };
interface Statement {
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: Json;
}

/** The logical ID of the custom resource of `database`. */
function sourceOf(template: Template, database: string): string {
  const found = Object.entries(template.findResources('Custom::DasDatabaseSource')).filter(([, resource]) => (resource as { Properties: Json }).Properties.Database === database);
  expect(found).toHaveLength(1);
  return (found[0] as [string, unknown])[0];
}

const att = (logicalId: string, name: string) => ({ 'Fn::GetAtt': [logicalId, name] });

/** Every statement of the policies attached to roles whose logical ID starts with `rolePrefix`. */
function statementsOf(template: Template, rolePrefix: string): Statement[] {
  return Object.values(template.findResources('AWS::IAM::Policy')).flatMap((policy) => {
    const { Roles, PolicyDocument } = (policy as { Properties: { Roles: Array<{ Ref: string }>; PolicyDocument: { Statement: Statement[] } } }).Properties;
    return Roles.some((role) => role.Ref.startsWith(rolePrefix)) ? PolicyDocument.Statement : [];
  });
}

const actionsOf = (statements: readonly Statement[]): string[] => statements.flatMap((statement) => [statement.Action].flat()).sort();
const withAction = (statements: readonly Statement[], action: string): Statement[] => statements.filter((statement) => [statement.Action].flat().includes(action));

/** The transformer's kms:Decrypt statements. */
function decryptOf(template: Template): Statement[] {
  return withAction(statementsOf(template, 'PipelineFunctionRole'), 'kms:Decrypt');
}

function deliveryStreams(template: Template): Json[] {
  return Object.values(template.findResources('AWS::KinesisFirehose::DeliveryStream')).map((resource) => (resource as { Properties: Json }).Properties);
}

function transformerEnv(template: Template): Json {
  const fn = Object.entries(template.findResources('AWS::Lambda::Function')).find(([id]) => id.startsWith('PipelineTransformFunction'));
  return (fn?.[1] as { Properties: { Environment: { Variables: Json } } }).Properties.Environment.Variables;
}


/** The state machines of the template other than the all_events loader: the custom resource Provider's. */
function providerStateMachines(template: Template): unknown[] {
  return Object.entries(template.findResources('AWS::StepFunctions::StateMachine'))
    .filter(([id]) => !id.includes('AllEventsLoader'))
    .map(([, resource]) => resource);
}
describe('DasFirehoseStack with -c database', () => {
  describe('an Aurora cluster ARN', () => {
    const { app, template } = synth({ database: AURORA });
    const source = sourceOf(template, AURORA);

    it('synthesizes offline: no lookups, no missing context', () => {
      expect(app.synth().manifest.missing).toBeUndefined();
    });

    it('reads the stream the custom resource reports', () => {
      const [delivery] = deliveryStreams(template);
      expect(delivery?.KinesisStreamSourceConfiguration).toMatchObject({ KinesisStreamARN: att(source, 'StreamArn') });
      expect(withAction(statementsOf(template, 'PipelineDatabasemyauroraRole'), 'kinesis:GetRecords')[0]?.Resource).toEqual(att(source, 'StreamArn'));
    });

    it('pins the transformer to the reported key and decrypts only under the cluster context of the reported resource ID', () => {
      expect(transformerEnv(template).KMS_KEY_ARN).toEqual(att(source, 'KeyArn'));
      expect(decryptOf(template)).toEqual([
        expect.objectContaining({ Resource: att(source, 'KeyArn'), Condition: { StringEquals: { 'kms:EncryptionContext:aws:rds:dbc-id': att(source, 'ResourceId') } } }),
      ]);
    });

    it('asks for no start: the role may describe the cluster and read key metadata, nothing else', () => {
      expect(template.findResources('Custom::DasDatabaseSource')[source]).toMatchObject({ Properties: { StartActivityStream: 'false', StopOnDelete: 'false', Mode: 'async' } });
      const onEvent = statementsOf(template, 'DatabaseSourcesOnEventRole').filter((statement) => !actionsOf([statement]).some((action) => action.startsWith('logs:')));
      expect(actionsOf(onEvent)).toEqual(['kms:DescribeKey', 'rds:DescribeDBClusters']);
      expect(withAction(onEvent, 'rds:DescribeDBClusters')[0]?.Resource).toBe(AURORA);
      template.resourceCountIs('AWS::KMS::Key', 0);
    });

    it('waits in one Provider, polling every 30 s for up to 55 minutes, inside CloudFormation\'s hour', () => {
      // The Provider's waiter, besides the all_events loader.
      expect(providerStateMachines(template)).toHaveLength(1);
      const definition = JSON.stringify(providerStateMachines(template)[0]);
      expect(definition).toContain('\\"IntervalSeconds\\":30');
      expect(definition).toContain('\\"MaxAttempts\\":110');
      expect(template.findResources('Custom::DasDatabaseSource')[source]).toMatchObject({ Properties: { ServiceTimeout: '3600' } });
    });

    it('keeps the deployment in the database\'s region and names the scope after the database', () => {
      template.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {});
      expect(JSON.stringify(template.toJSON().Rules)).toContain('us-east-1');
      expect(Object.keys(template.findResources('AWS::KinesisFirehose::DeliveryStream'))[0]).toMatch(/^PipelineDatabasemyaurora/);
    });
  });

  it('decrypts an Oracle instance\'s records under aws:rds:db-id and describes it as an instance', () => {
    const { template } = synthApp({ database: ORACLE });
    const source = sourceOf(template, ORACLE);
    expect(decryptOf(template)).toEqual([expect.objectContaining({ Condition: { StringEquals: { 'kms:EncryptionContext:aws:rds:db-id': att(source, 'ResourceId') } } })]);
    const describe = withAction(statementsOf(template, 'DatabaseSourcesIsCompleteRole'), 'rds:DescribeDBInstances');
    expect(describe.map((statement) => statement.Resource)).toEqual([ORACLE]);
    expect(withAction(statementsOf(template, 'DatabaseSourcesIsCompleteRole'), 'rds:DescribeDBClusters')).toEqual([]);
  });

  it('builds one custom resource and delivery stream per database of a list, with one Provider, and pairs each key with its resource ID', () => {
    const { template } = synthApp({ database: `${AURORA},${ORACLE}` });
    const [aurora, oracle] = [sourceOf(template, AURORA), sourceOf(template, ORACLE)];
    expect(providerStateMachines(template)).toHaveLength(1);
    expect(deliveryStreams(template).map((delivery) => (delivery.KinesisStreamSourceConfiguration as Json).KinesisStreamARN)).toEqual([att(aurora, 'StreamArn'), att(oracle, 'StreamArn')]);
    expect(transformerEnv(template).KMS_KEY_ARN).toEqual({
      'Fn::Join': ['', [att(aurora, 'ResourceId'), '=', att(aurora, 'KeyArn'), ',', att(oracle, 'ResourceId'), '=', att(oracle, 'KeyArn')]],
    });
    expect(decryptOf(template).map((statement) => statement.Condition)).toEqual([
      { StringEquals: { 'kms:EncryptionContext:aws:rds:dbc-id': att(aurora, 'ResourceId') } },
      { StringEquals: { 'kms:EncryptionContext:aws:rds:db-id': att(oracle, 'ResourceId') } },
    ]);
  });

  it('describes a plain identifier as a cluster or an instance, and lets the function decrypt under either context key with its one resource ID', () => {
    const { template } = synth({ database: 'my-aurora' });
    const source = sourceOf(template, 'my-aurora');
    expect(decryptOf(template).map((statement) => statement.Condition)).toEqual([
      { StringEquals: { 'kms:EncryptionContext:aws:rds:dbc-id': att(source, 'ResourceId') } },
      { StringEquals: { 'kms:EncryptionContext:aws:rds:db-id': att(source, 'ResourceId') } },
    ]);
    const describe = statementsOf(template, 'DatabaseSourcesOnEventRole').filter((statement) => actionsOf([statement]).some((action) => action.startsWith('rds:')));
    expect(JSON.stringify(describe)).toContain(':cluster:my-aurora');
    expect(JSON.stringify(describe)).toContain(':db:my-aurora');
    expect(Object.keys(template.toJSON().Rules as Json)).not.toContain('DeployInStreamRegion');
  });

  describe('startActivityStream', () => {
    it('adds the start permission, the grant through RDS and a rotated, retained key when no key is given', () => {
      const { template } = synth(STARTED);
      const source = sourceOf(template, AURORA);
      const keys = Object.entries(template.findResources('AWS::KMS::Key'));
      expect(keys).toHaveLength(1);
      const [keyId, key] = keys[0] as [string, { Properties: Json; DeletionPolicy: string }];
      expect(key.Properties.EnableKeyRotation).toBe(true);
      expect(key.DeletionPolicy).toBe('Retain');
      expect(template.findResources('Custom::DasDatabaseSource')[source]).toMatchObject({ Properties: { StartActivityStream: 'true', KmsKeyArn: att(keyId, 'Arn') } });
      const onEvent = statementsOf(template, 'DatabaseSourcesOnEventRole');
      expect(withAction(onEvent, 'rds:StartActivityStream').map((statement) => statement.Resource)).toEqual([AURORA]);
      expect(withAction(onEvent, 'kms:CreateGrant')).toEqual([
        expect.objectContaining({
          Resource: att(keyId, 'Arn'),
          Condition: { StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['rds.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } }, Bool: { 'kms:GrantIsForAWSResource': 'true' } },
        }),
      ]);
      expect(withAction(onEvent, 'rds:StopActivityStream')).toEqual([]);
      // isComplete only waits: it may not start anything.
      expect(actionsOf(statementsOf(template, 'DatabaseSourcesIsCompleteRole')).filter((action) => !action.startsWith('logs:'))).toEqual(['kms:DescribeKey', 'rds:DescribeDBClusters']);
    });

    it('starts with the key given, creating none, and stops on delete only when asked', () => {
      const { template } = synth(STARTED_WITH_KEY);
      template.resourceCountIs('AWS::KMS::Key', 0);
      const onEvent = statementsOf(template, 'DatabaseSourcesOnEventRole');
      expect(withAction(onEvent, 'kms:CreateGrant')[0]?.Resource).toBe(START_KEY);
      expect(withAction(onEvent, 'rds:StopActivityStream').map((statement) => statement.Resource)).toEqual([ORACLE]);
      expect(template.findResources('Custom::DasDatabaseSource')[sourceOf(template, ORACLE)]).toMatchObject({ Properties: { StopOnDelete: 'true', KmsKeyArn: START_KEY } });
    });
  });

  it.each([[STARTED], [STARTED_WITH_KEY], [{ database: 'my-aurora' }], [{ database: AURORA }]])('finds nothing unacknowledged by cdk-nag with %j', (context) => {
    const { app } = synth(context);
    const report = new AwsSolutionsChecks(app).validateScope(app);
    expect(report.violations.map((violation) => `${violation.ruleName} at ${violation.violatingResources.map((r) => r.constructPath)}`)).toEqual([]);
  });

  it.each([
    [{ database: AURORA, dasStreamArn: STREAM_ARN, kmsKeyArn: KEY_ARN }, 'Give database or dasStreamArn and kmsKeyArn, not both'],
    [{ database: 'arn:aws:rds:us-east-1:111122223333:snapshot:x' }, 'database "arn:aws:rds:us-east-1:111122223333:snapshot:x" is neither a DB identifier nor an RDS ARN'],
    [{ database: `${AURORA},arn:aws:rds:eu-west-1:111122223333:db:other` }, 'several regions (us-east-1, eu-west-1)'],
    [{ database: AURORA, activityStreamMode: 'sync' }, 'activityStreamMode applies to activity streams the stack starts; add -c startActivityStream=true'],
    [{ database: AURORA, startActivityStream: 'yes' }, 'startActivityStream must be true or false; got "yes", e.g. -c startActivityStream=true'],
    [{ database: AURORA, startActivityStream: 'true', activityStreamKeyArn: 'alias/mine' }, 'activityStreamKeyArn "alias/mine" is not a KMS key ARN'],
    [{ startActivityStream: 'true' }, 'startActivityStream applies to the databases of -c database=…'],
    [{ database: `${AURORA},${AURORA}` }, 'database names my-aurora twice'],
  ])('refuses %j with a message naming the keys', (context, message) => {
    expect(() => synthApp(context)).toThrow(ContextError);
    try {
      synthApp(context);
    } catch (error) {
      expect((error as Error).message).toContain(message);
    }
  });
});

describe('DasFirehosePipeline with a source whose resource ID is a token', () => {
  it('needs a name and the encryption context keys, which synth cannot read from a token', () => {
    const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'S');
    expect(() =>
      new DasFirehosePipeline(stack, 'Pipeline', {
        activityStreams: [{ stream: kinesis.Stream.fromStreamArn(stack, 'S2', STREAM_ARN), key: kms.Key.fromKeyArn(stack, 'K', KEY_ARN), resourceId: Aws.STACK_ID }],
      }),
    ).toThrow('its resource ID is known only at deployment, so give a name (a construct id that stays the same across deployments) and its encryptionContextKeys');
  });
});
