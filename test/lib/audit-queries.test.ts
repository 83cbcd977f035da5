import { App, Size, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AUDIT_COLUMNS } from '../../lib/das-firehose-pipeline/audit-tables';
import { NAMED_QUERIES } from '../../lib/das-firehose-pipeline/named-queries';
import { DasFirehosePipeline } from '../../lib/das-firehose-pipeline';
import { INSTANCE_STREAM_ARN, KEY_ARN, OTHER_KEY_ARN, STREAM_ARN, synthApp, renderValue } from './synth-app';

/**
 * The Glue tables, Athena workgroup, named queries and query policy, read from the template against
 * Athena's documentation: partition projection (partition-projection-supported-types), the OpenX JSON
 * SerDe (openx-json-serde), workgroup settings (workgroups-settings-override), and the IAM actions a
 * workgroup user needs (workgroups-iam-policy).
 */

type Json = any;  


const resources = (template: Template, type: string): Json[] => Object.values(template.findResources(type));

describe('Athena over the audit log (queries on, as by default)', () => {
  let template: Template;
  let bucket: string;
  let results: string;
  let allEvents: string;

  beforeAll(() => {
    ({ template } = synthApp({ dasStreamArn: [STREAM_ARN, INSTANCE_STREAM_ARN].join(','), kmsKeyArn: [KEY_ARN, OTHER_KEY_ARN].join(',') }));
    const firehose = resources(template, 'AWS::KinesisFirehose::DeliveryStream')[0];
    bucket = firehose.Properties.ExtendedS3DestinationConfiguration.BucketARN['Fn::GetAtt'][0];
    results = Object.keys(template.findResources('AWS::S3::Bucket')).find((id) => id.includes('QueryResultsBucket')) as string;
    allEvents = Object.keys(template.findResources('AWS::S3::Bucket')).find((id) => id.includes('AllEventsBucket')) as string;
  });

  const table = (name: string) => resources(template, 'AWS::Glue::Table').find((item) => item.Properties.TableInput?.Name === name).Properties;

  it('creates one Glue database named after the stack, with events_by_command, all_events and its source, and no table over Firehose\'s receipts', () => {
    const databases = resources(template, 'AWS::Glue::Database');
    expect(databases).toHaveLength(1);
    expect(databases[0].Properties.DatabaseInput.Name).toBe('dasfirehose_audit');
    expect(resources(template, 'AWS::Glue::Table').map((item) => [item.Properties.DatabaseName, item.Properties.TableInput?.Name ?? item.Properties.Name]).sort()).toEqual([
      ['dasfirehose_audit', 'all_events'],
      ['dasfirehose_audit', 'event_lines'],
      ['dasfirehose_audit', 'events_by_command'],
    ]);
  });

  it('reads gzip NDJSON with the OpenX SerDe, every field a string column named in lower case', () => {
    for (const name of ['events_by_command']) {
      const { TableInput: input } = table(name);
      expect(input.TableType).toBe('EXTERNAL_TABLE');
      expect(input.Parameters).toMatchObject({ classification: 'json', compressionType: 'gzip' });
      expect(input.StorageDescriptor).toMatchObject({
        InputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
        OutputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
        SerdeInfo: { SerializationLibrary: 'org.openx.data.jsonserde.JsonSerDe', Parameters: { 'case.insensitive': 'true' } },
      });
      const columns = input.StorageDescriptor.Columns as Array<{ Name: string; Type: string }>;
      expect(columns.map((column) => column.Name)).toEqual(AUDIT_COLUMNS.map((column) => column.name.toLowerCase()));
      expect(columns.every((column) => column.Type === 'string')).toBe(true);
      for (const field of ['logtime', 'command', 'dbusername', 'statementid', 'sessionid', 'exitcode', 'enginenativeauditfields', 'clusterid', 'instanceid']) {
        expect(columns.map((column) => column.Name)).toContain(field);
      }
    }
  });

  it('events_by_command: the audit log itself, the command injected by each query', () => {
    const { TableInput: input } = table('events_by_command');
    expect(renderValue(input.StorageDescriptor.Location)).toBe(`s3://\${${bucket}}/events/`);
    expect(input.PartitionKeys.map((key: { Name: string }) => key.Name)).toEqual(['command_folder', 'date', 'hour']);
    expect(input.Parameters['projection.command_folder.type']).toBe('injected');
    expect(renderValue(input.Parameters['storage.location.template'])).toBe(`s3://\${${bucket}}/events/command=\${command_folder}/date=\${date}/hour=\${hour}/`);
  });

  it('keeps query results encrypted in a bucket of their own, enforces that, pins engine 3, caps bytes scanned, publishes metrics', () => {
    const [workGroup] = resources(template, 'AWS::Athena::WorkGroup');
    expect(workGroup.Properties.Name).toBe('DasFirehose-audit');
    expect(workGroup.Properties.RecursiveDeleteOption).toBe(true);
    const configuration = workGroup.Properties.WorkGroupConfiguration;
    expect(configuration).toMatchObject({
      EngineVersion: { SelectedEngineVersion: 'Athena engine version 3' },
      EnforceWorkGroupConfiguration: true,
      PublishCloudWatchMetricsEnabled: true,
      BytesScannedCutoffPerQuery: 100 * 1024 ** 3,
      ResultConfiguration: { EncryptionConfiguration: { EncryptionOption: 'SSE_S3' } },
    });
    expect(renderValue(configuration.ResultConfiguration.OutputLocation)).toBe(`s3://\${${results}}/`);
  });

  it('expires query results after 30 days in a hardened bucket that never takes the audit bucket\'s Object Lock', () => {
    const { template: locked } = synthApp({ dasStreamArn: STREAM_ARN, kmsKeyArn: KEY_ARN, objectLockDays: '365', objectLockMode: 'COMPLIANCE' });
    const buckets = locked.findResources('AWS::S3::Bucket');
    const [id, resultsBucket] = Object.entries(buckets).find(([logicalId]) => logicalId.includes('QueryResultsBucket')) as [string, Json];
    expect(resultsBucket.Properties.ObjectLockEnabled).toBeUndefined();
    expect(resultsBucket.Properties.LifecycleConfiguration.Rules).toContainEqual(
      expect.objectContaining({ Id: 'ExpireQueryResults', ExpirationInDays: 30, Status: 'Enabled' }),
    );
    expect(resultsBucket.Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true,
    });
    expect(resultsBucket.Properties.LoggingConfiguration.LogFilePrefix).toBe('query-results-bucket/');
    const workGroup = resources(locked, 'AWS::Athena::WorkGroup')[0];
    expect(renderValue(workGroup.Properties.WorkGroupConfiguration.ResultConfiguration.OutputLocation)).toBe(`s3://\${${id}}/`);
  });

  it('deploys every named query, word for word, in the workgroup and database', () => {
    const named = resources(template, 'AWS::Athena::NamedQuery').map((item) => item.Properties);
    expect(named.map((query) => query.Name)).toEqual(NAMED_QUERIES.map((query) => query.name));
    for (const query of NAMED_QUERIES) {
      const deployed = named.find((item) => item.Name === query.name);
      expect(deployed).toMatchObject({ Database: 'dasfirehose_audit', WorkGroup: 'DasFirehose-audit', QueryString: query.sql });
      expect(deployed.Description).toContain(`Parameters, in order: ${query.parameters.map((parameter) => parameter.name).join(', ')}.`);
      expect(deployed.Description.length).toBeLessThanOrEqual(1024);
    }
    expect(NAMED_QUERIES.every((query) => query.sql.length <= 262_144)).toBe(true);
  });

  it('gives auditors a managed policy with exactly the query actions and resources, its ARN a stack output', () => {
    const policies = resources(template, 'AWS::IAM::ManagedPolicy');
    expect(policies).toHaveLength(1);
    const statements = (policies[0].Properties.PolicyDocument.Statement as Json[]).map((statement) => ({
      Sid: statement.Sid,
      Action: [statement.Action].flat().sort(),
      Resource: [statement.Resource].flat().map(renderValue),
      ...(statement.Condition ? { Condition: JSON.parse(JSON.stringify(statement.Condition)) } : {}),
    }));
    const arn = (service: string, resource: string) => `arn:\${AWS::Partition}:${service}:\${AWS::Region}:\${AWS::AccountId}:${resource}`;
    expect(statements).toEqual([
      {
        Sid: 'RunQueriesInWorkGroup',
        Action: [
          'athena:BatchGetNamedQuery', 'athena:BatchGetQueryExecution', 'athena:GetNamedQuery', 'athena:GetQueryExecution',
          'athena:GetQueryResults', 'athena:GetQueryResultsStream', 'athena:GetQueryRuntimeStatistics', 'athena:GetWorkGroup',
          'athena:ListNamedQueries', 'athena:ListQueryExecutions', 'athena:StartQueryExecution', 'athena:StopQueryExecution',
        ],
        Resource: [arn('athena', 'workgroup/DasFirehose-audit')],
      },
      {
        Sid: 'BrowseCatalog',
        Action: ['athena:GetDataCatalog', 'athena:GetDatabase', 'athena:GetTableMetadata', 'athena:ListDatabases', 'athena:ListTableMetadata'],
        Resource: [arn('athena', 'datacatalog/AwsDataCatalog')],
      },
      { Sid: 'ListWorkGroupsAndCatalogs', Action: ['athena:ListDataCatalogs', 'athena:ListEngineVersions', 'athena:ListWorkGroups'], Resource: ['*'] },
      {
        Sid: 'ReadAuditTables',
        Action: ['glue:BatchGetPartition', 'glue:GetDatabase', 'glue:GetDatabases', 'glue:GetPartition', 'glue:GetPartitions', 'glue:GetTable', 'glue:GetTables'],
        Resource: [
          arn('glue', 'catalog'),
          arn('glue', 'database/dasfirehose_audit'),
          arn('glue', 'database/default'),
          arn('glue', 'table/dasfirehose_audit/all_events'),
          arn('glue', 'table/dasfirehose_audit/events_by_command'),
        ],
      },
      { Sid: 'ReadAuditLog', Action: ['s3:GetObject'], Resource: [`\${${bucket}.Arn}/events/*`] },
      {
        Sid: 'ListAuditLog',
        Action: ['s3:ListBucket'],
        Resource: [`\${${bucket}.Arn}`],
        Condition: { StringLike: { 's3:prefix': ['events/*'] } },
      },
      { Sid: 'ReadAllEvents', Action: ['s3:GetObject'], Resource: [`\${${allEvents}.Arn}/tables/all_events/*`] },
      {
        Sid: 'ListAllEvents',
        Action: ['s3:ListBucket'],
        Resource: [`\${${allEvents}.Arn}`],
        Condition: { StringLike: { 's3:prefix': ['tables/all_events/*'] } },
      },
      { Sid: 'LocateBuckets', Action: ['s3:GetBucketLocation'], Resource: [`\${${allEvents}.Arn}`, `\${${bucket}.Arn}`, `\${${results}.Arn}`] },
      {
        Sid: 'WriteQueryResults',
        Action: ['s3:AbortMultipartUpload', 's3:GetObject', 's3:ListMultipartUploadParts', 's3:PutObject'],
        Resource: [`\${${results}.Arn}/*`],
      },
      { Sid: 'ListQueryResults', Action: ['s3:ListBucket', 's3:ListBucketMultipartUploads'], Resource: [`\${${results}.Arn}`] },
    ]);
    const outputs = template.findOutputs('*');
    expect(outputs.QueryPolicyArn.Value).toEqual({ Ref: Object.keys(template.findResources('AWS::IAM::ManagedPolicy'))[0] });
    expect(outputs.QueryWorkGroup.Value).toBe('DasFirehose-audit');
    expect(outputs.GlueDatabaseName.Value).toBe('dasfirehose_audit');
  });

  it('takes the bytes-scanned cutoff from context, in GiB', () => {
    const { template: small } = synthApp({ dasStreamArn: STREAM_ARN, kmsKeyArn: KEY_ARN, queryBytesScannedCutoffGb: '1' });
    expect(resources(small, 'AWS::Athena::WorkGroup')[0].Properties.WorkGroupConfiguration.BytesScannedCutoffPerQuery).toBe(1024 ** 3);
  });

  it('leaves everything out with queries=false', () => {
    const { template: none } = synthApp({ dasStreamArn: STREAM_ARN, kmsKeyArn: KEY_ARN, queries: 'false' });
    for (const type of ['AWS::Glue::Database', 'AWS::Glue::Table', 'AWS::Athena::WorkGroup', 'AWS::Athena::NamedQuery', 'AWS::IAM::ManagedPolicy']) {
      none.resourceCountIs(type, 0);
    }
    expect(Object.keys(none.findOutputs('*'))).not.toContain('QueryPolicyArn');
    none.resourceCountIs('AWS::S3::Bucket', 2); // the audit bucket and its access-logs bucket, no results bucket
  });

  it('refuses queries set to something other than true or false', () => {
    expect(() => synthApp({ dasStreamArn: STREAM_ARN, kmsKeyArn: KEY_ARN, queries: 'yes' })).toThrow('queries must be true or false; got "yes".');
  });
});

describe('Athena over the audit log, in someone else\'s app', () => {
  function build(props: Partial<ConstructorParameters<typeof DasFirehosePipeline>[2]> = {}) {
    const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'TheirStack');
    const pipeline = new DasFirehosePipeline(stack, 'Audit', {
      activityStreams: [{ stream: kinesis.Stream.fromStreamArn(stack, 'S', STREAM_ARN), key: kms.Key.fromKeyArn(stack, 'K', KEY_ARN) }],
      ...props,
    });
    return { stack, pipeline };
  }

  it('encrypts results with the bucket\'s KMS key when it has one, and lets queriers use that key', () => {
    const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'TheirStack');
    const key = new kms.Key(stack, 'BucketKey');
    const bucket = new s3.Bucket(stack, 'Theirs', { encryptionKey: key });
    new DasFirehosePipeline(stack, 'Audit', {
      activityStreams: [{ stream: kinesis.Stream.fromStreamArn(stack, 'S', STREAM_ARN), key: kms.Key.fromKeyArn(stack, 'K', KEY_ARN) }],
      bucket,
    });
    const template = Template.fromStack(stack);
    const keyId = Object.keys(template.findResources('AWS::KMS::Key'))[0];
    const resultsBucket = Object.entries(template.findResources('AWS::S3::Bucket')).find(([id]) => id.includes('QueryResultsBucket'))?.[1] as Json;
    expect(resultsBucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault).toEqual({
      SSEAlgorithm: 'aws:kms',
      KMSMasterKeyID: { 'Fn::GetAtt': [keyId, 'Arn'] },
    });
    expect(resources(template, 'AWS::Athena::WorkGroup')[0].Properties.WorkGroupConfiguration.ResultConfiguration.EncryptionConfiguration).toEqual({
      EncryptionOption: 'SSE_KMS',
      KmsKey: { 'Fn::GetAtt': [keyId, 'Arn'] },
    });
    const statements = resources(template, 'AWS::IAM::ManagedPolicy')[0].Properties.PolicyDocument.Statement as Json[];
    expect(statements.find((statement) => statement.Sid === 'UseBucketKey')).toEqual({
      Sid: 'UseBucketKey',
      Effect: 'Allow',
      Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
      Resource: { 'Fn::GetAtt': [keyId, 'Arn'] },
    });
  });

  it('takes names and a cutoff, and grants querying to a role of theirs', () => {
    const { stack, pipeline } = build({ queries: { databaseName: 'audit_db', workGroupName: 'auditors', bytesScannedCutoffPerQuery: Size.gibibytes(2) } });
    const auditor = new iam.Role(stack, 'Auditor', { assumedBy: new iam.AccountRootPrincipal() });
    pipeline.grantQuery(auditor);
    const template = Template.fromStack(stack);
    expect(pipeline.queries).toMatchObject({ databaseName: 'audit_db', workGroupName: 'auditors', tableNames: ['events_by_command', 'all_events'] });
    expect(resources(template, 'AWS::Athena::WorkGroup')[0].Properties).toMatchObject({
      Name: 'auditors',
      WorkGroupConfiguration: { BytesScannedCutoffPerQuery: 2 * 1024 ** 3 },
    });
    const granted = resources(template, 'AWS::IAM::Policy')
      .filter((policy) => JSON.stringify(policy.Properties.Roles).includes('Auditor'))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Json[]);
    const managed = resources(template, 'AWS::IAM::ManagedPolicy')[0].Properties.PolicyDocument.Statement as Json[];
    const actions = (statements: Json[]) => new Set(statements.flatMap((statement) => [statement.Action].flat()));
    expect(actions(granted)).toEqual(actions(managed));
  });

  it('refuses names Glue or Athena would refuse, and a cutoff under Athena\'s least', () => {
    expect(() => build({ queries: { databaseName: 'Audit-DB' } })).toThrow('queries.databaseName must be lower case letters, digits and _');
    expect(() => build({ queries: { workGroupName: 'audit group' } })).toThrow('queries.workGroupName must be letters, digits, ., _ and -');
    expect(() => build({ queries: { bytesScannedCutoffPerQuery: Size.mebibytes(1) } })).toThrow('at least 10 MB');
  });

  it('has no queries and no grant with queries: false', () => {
    const { stack, pipeline } = build({ queries: false });
    expect(pipeline.queries).toBeUndefined();
    expect(() => pipeline.grantQuery(new iam.Role(stack, 'Auditor', { assumedBy: new iam.AccountRootPrincipal() }))).toThrow('queries: false');
  });
});
