import type { Template } from 'aws-cdk-lib/assertions';
import { MAX_BACKFILL_DAYS } from '../../lib/das-firehose-pipeline/all-events-loader-definition';
import { EVENT_LINES_FIELD_DELIMITER } from '../../lib/das-firehose-pipeline/all-events-sql';
import { ALL_EVENTS_COLUMNS } from '../../lib/das-firehose-pipeline/all-events-table';
import { INSTANCE_STREAM_ARN, KEY_ARN, OTHER_KEY_ARN, STREAM_ARN, synthApp, renderValue } from './synth-app';

/**
 * all_events in the template: the Iceberg table and its bucket, the source table over events/, the
 * loader's state machine, schedule, alarm and role, read against the CloudFormation and Step Functions
 * references (AWS::Glue::Table IcebergTableInput, athena:startQueryExecution.sync, JSONata states).
 */

type Json = any;


const only = (template: Template, type: string): Json => {
  const found = Object.entries(template.findResources(type));
  expect(found).toHaveLength(1);
  return { id: found[0]![0], ...found[0]![1] };
};

describe('all_events in the account', () => {
  let template: Template;
  let definition: Json;
  let tableBucket: string;
  let auditBucket: string;

  beforeAll(() => {
    // Object Lock on the audit bucket, an alarm topic, two databases.
    ({ template } = synthApp({
      dasStreamArn: [STREAM_ARN, INSTANCE_STREAM_ARN].join(','),
      kmsKeyArn: [KEY_ARN, OTHER_KEY_ARN].join(','),
      objectLockDays: '365',
      alarmEmail: 'dba@example.com',
    }));
    definition = JSON.parse(renderValue(only(template, 'AWS::StepFunctions::StateMachine').Properties.DefinitionString));
    tableBucket = Object.keys(template.findResources('AWS::S3::Bucket')).find((id) => id.includes('AllEventsBucket')) as string;
    auditBucket = Object.keys(template.findResources('AWS::S3::Bucket')).find((id) => /PipelineBucket/.test(id)) as string;
  });

  it('creates all_events as an Iceberg table of the defined columns, partitioned by identity(resource), identity(date), Parquet ZSTD', () => {
    const table = Object.values(template.findResources('AWS::Glue::Table')).find((item: Json) => item.Properties.Name === 'all_events') as Json;
    const iceberg = table.Properties.OpenTableFormatInput.IcebergInput;
    expect(iceberg).toMatchObject({ MetadataOperation: 'CREATE', Version: '2' });
    const input = iceberg.IcebergTableInput;
    expect(renderValue(input.Location)).toBe(`s3://\${${tableBucket}}/tables/all_events/`);
    expect(input.Schema.Fields.map((field: Json) => [field.Id, field.Name, field.Type])).toEqual(
      ALL_EVENTS_COLUMNS.map((column, index) => [index + 1, column.name, column.type]),
    );
    const idOf = (name: string) => ALL_EVENTS_COLUMNS.findIndex((column) => column.name === name) + 1;
    expect(input.PartitionSpec.Fields).toEqual([
      { FieldId: 1000, Name: 'resource', SourceId: idOf('resource'), Transform: 'identity' },
      { FieldId: 1001, Name: 'date', SourceId: idOf('date'), Transform: 'identity' },
    ]);
    expect(input.Properties).toMatchObject({ 'write.format.default': 'parquet', 'write.parquet.compression-codec': 'zstd' });
  });

  it('keeps the table in a bucket of its own, without the audit bucket\'s Object Lock, replaced files gone a day after VACUUM', () => {
    const buckets = template.findResources('AWS::S3::Bucket');
    expect(buckets[auditBucket]!.Properties.ObjectLockEnabled).toBe(true);
    const bucket = buckets[tableBucket]!.Properties;
    expect(bucket.ObjectLockEnabled).toBeUndefined();
    expect(bucket.ObjectLockConfiguration).toBeUndefined();
    expect(bucket.LifecycleConfiguration.Rules).toContainEqual(expect.objectContaining({ NoncurrentVersionExpiration: { NoncurrentDays: 1 }, Status: 'Enabled' }));
    expect(bucket.LifecycleConfiguration.Rules.some((rule: Json) => rule.ExpirationInDays !== undefined)).toBe(false);
  });

  it('reads events/ through a source table whose one column is each line\'s text, command folders injected', () => {
    const input = (Object.values(template.findResources('AWS::Glue::Table')) as Json[]).find((item) => item.Properties.TableInput?.Name === 'event_lines').Properties.TableInput;
    expect(input.StorageDescriptor.SerdeInfo).toEqual({
      SerializationLibrary: 'org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe',
      Parameters: { 'field.delim': EVENT_LINES_FIELD_DELIMITER, 'serialization.format': EVENT_LINES_FIELD_DELIMITER },
    });
    expect(input.StorageDescriptor.Columns).toEqual([expect.objectContaining({ Name: 'line', Type: 'string' })]);
    expect(input.PartitionKeys.map((key: Json) => key.Name)).toEqual(['command_folder', 'date', 'hour']);
    expect(input.Parameters).toMatchObject({ 'projection.enabled': 'true', 'projection.command_folder.type': 'injected', 'projection.date.type': 'date', 'projection.hour.type': 'enum' });
    expect(renderValue(input.Parameters['storage.location.template'])).toBe(`s3://\${${auditBucket}}/events/command=\${command_folder}/date=\${date}/hour=\${hour}/`);
  });

  it('names the loader in an output, for the backfill command', () => {
    expect(template.findOutputs('AllEventsLoaderArn').AllEventsLoaderArn.Value).toEqual({ Ref: only(template, 'AWS::StepFunctions::StateMachine').id });
  });

  it('starts the loader every 15 minutes with an empty input', () => {
    const schedule = only(template, 'AWS::Scheduler::Schedule').Properties;
    expect(schedule.ScheduleExpression).toBe('cron(0/15 * * * ? *)');
    expect(schedule.Target.Arn).toEqual({ Ref: only(template, 'AWS::StepFunctions::StateMachine').id });
    expect(schedule.Target.Input).toBe('{}');
  });

  it('runs the MERGE, OPTIMIZE and VACUUM in the stack\'s workgroup and database, waiting for each, one day at a time', () => {
    expect(definition.QueryLanguage).toBe('JSONata');
    const day = definition.States.LoadDays;
    expect(day).toMatchObject({ Type: 'Map', MaxConcurrency: 1, Items: '{% $window.items %}' });
    const tasks = [day.ItemProcessor.States.Merge, day.ItemProcessor.States.Optimize, definition.States.Vacuum];
    for (const task of tasks) {
      expect(task.Resource).toBe('arn:aws:states:::athena:startQueryExecution.sync');
      expect(task.Arguments.WorkGroup).toBe('DasFirehose-audit');
      expect(task.Arguments.QueryExecutionContext).toEqual({ Catalog: 'AwsDataCatalog', Database: 'dasfirehose_audit' });
      expect(task.Retry).toEqual([expect.objectContaining({ ErrorEquals: ['States.TaskFailed'], MaxAttempts: 4 })]);
    }
    expect(tasks[0].Arguments.QueryString).toMatch(/^\{% \$replace\(.*"MERGE INTO \\"dasfirehose_audit\\"\.\\"all_events\\" AS t/s);
    expect(tasks[1].Arguments.QueryString).toContain('OPTIMIZE \\"dasfirehose_audit\\".\\"all_events\\" REWRITE DATA USING BIN_PACK');
    expect(tasks[2].Arguments.QueryString).toBe('VACUUM "dasfirehose_audit"."all_events"');
  });

  it('lists the command folders of events/ in the audit bucket, and fails rather than load part of them', () => {
    expect(definition.States.ListCommandFolders).toMatchObject({
      Resource: 'arn:aws:states:::aws-sdk:s3:listObjectsV2',
      Arguments: { Prefix: 'events/', Delimiter: '/' },
    });
    expect(definition.States.CheckCommandFolders.Choices[0]).toEqual({ Condition: '{% $truncated %}', Next: 'TooManyCommandFolders' });
    expect(definition.States.TooManyCommandFolders.Type).toBe('Fail');
  });

  it('keeps to one writer: a scheduled run steps aside for a running execution, a backfill waits its turn', () => {
    expect(definition.States.ListRunningLoads.Resource).toBe('arn:aws:states:::aws-sdk:sfn:listExecutions');
    expect(definition.States.CheckRunningLoads.Choices.map((choice: Json) => choice.Next)).toEqual(['AnotherLoadRunning', 'AnotherLoadStillRunning', 'WaitForOtherLoad']);
    expect(definition.States.Window.Assign.window).toContain(`at most ${MAX_BACKFILL_DAYS} days`);
    // What the scheduled runs left while a backfill ran, the backfill loads itself before it ends.
    expect(definition.States.CheckCatchUp.Choices).toEqual([{ Condition: "{% $window.mode = 'backfill' %}", Next: 'CatchUp' }]);
    expect(definition.States.LoadDays.Next).toBe('CheckCatchUp');
  });

  it('gives the loader a role with the workgroup, the two tables, events/ to read and the table\'s prefix to write', () => {
    const machine = only(template, 'AWS::StepFunctions::StateMachine');
    const roleId = machine.Properties.RoleArn['Fn::GetAtt'][0];
    const statements = (Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } })) as Json[])
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement)
      .filter((statement: Json) => statement.Sid);
    const bySid = Object.fromEntries(statements.map((statement: Json) => [statement.Sid, { Action: [statement.Action].flat().sort(), Resource: [statement.Resource].flat().map(renderValue) }]));
    const arn = (service: string, resource: string) => `arn:\${AWS::Partition}:${service}:\${AWS::Region}:\${AWS::AccountId}:${resource}`;
    expect(Object.keys(bySid).sort()).toEqual(
      ['CommitAllEvents', 'ListEvents', 'ListQueryResults', 'ListTableFiles', 'LocateBuckets', 'OneLoadAtATime', 'ReadEvents', 'ReadSourceTable', 'RunLoadQueries', 'UseDataCatalog', 'WriteQueryResults', 'WriteTableFiles'].sort(),
    );
    expect(bySid.RunLoadQueries).toEqual({ Action: ['athena:GetQueryExecution', 'athena:StartQueryExecution', 'athena:StopQueryExecution'], Resource: [arn('athena', 'workgroup/DasFirehose-audit')] });
    expect(bySid.CommitAllEvents).toEqual({
      Action: ['glue:GetDatabase', 'glue:GetTable', 'glue:UpdateTable'],
      Resource: [arn('glue', 'catalog'), arn('glue', 'database/dasfirehose_audit'), arn('glue', 'table/dasfirehose_audit/all_events')],
    });
    expect(bySid.ReadSourceTable.Resource).toContain(arn('glue', 'table/dasfirehose_audit/event_lines'));
    expect(bySid.ReadEvents).toEqual({ Action: ['s3:GetObject'], Resource: [`\${${auditBucket}.Arn}/events/*`] });
    expect(bySid.WriteTableFiles).toEqual({
      Action: ['s3:AbortMultipartUpload', 's3:DeleteObject', 's3:GetObject', 's3:ListMultipartUploadParts', 's3:PutObject'],
      Resource: [`\${${tableBucket}.Arn}/tables/all_events/*`],
    });
    expect(bySid.OneLoadAtATime.Resource).toEqual([expect.stringMatching(/^arn:\$\{AWS::Partition\}:states:\$\{AWS::Region\}:\$\{AWS::AccountId\}:stateMachine:.*-AllEventsLoader$/)]);
    expect(renderValue(machine.Properties.StateMachineName)).toBe(bySid.OneLoadAtATime.Resource[0].split(':').pop());
    // Nothing of the audit bucket beyond reading events/: no write, no delete, no other prefix.
    const auditResources = statements.flatMap((statement: Json) => [statement.Resource].flat().map(renderValue)).filter((resource: string) => resource.includes(auditBucket));
    expect([...new Set(auditResources)].sort()).toEqual([`\${${auditBucket}.Arn}`, `\${${auditBucket}.Arn}/events/*`]);
  });

  it('alarms to the topic when a load fails, times out or is aborted', () => {
    const alarm = (Object.values(template.findResources('AWS::CloudWatch::Alarm')) as Json[]).find((item) => item.Properties.Metrics)!.Properties;
    expect(alarm.Metrics.filter((metric: Json) => metric.MetricStat).map((metric: Json) => metric.MetricStat.Metric.MetricName).sort()).toEqual([
      'ExecutionsAborted',
      'ExecutionsFailed',
      'ExecutionsTimedOut',
    ]);
    expect(alarm.AlarmActions).toHaveLength(1);
  });

  it('has no table, loader or schedule with queries off', () => {
    const { template: off } = synthApp({ dasStreamArn: STREAM_ARN, kmsKeyArn: KEY_ARN, queries: 'false' });
    off.resourceCountIs('AWS::StepFunctions::StateMachine', 0);
    off.resourceCountIs('AWS::Scheduler::Schedule', 0);
    off.resourceCountIs('AWS::Glue::Table', 0);
  });
});
