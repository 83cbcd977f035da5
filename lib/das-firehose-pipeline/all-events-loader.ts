import { Duration, Names, RemovalPolicy, Stack, Validations, ArnFormat } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import * as defaults from '../defaults';
import { ALL_EVENTS_PREFIX, ALL_EVENTS_TABLE_NAME } from './all-events-table';
import { EVENT_LINES_TABLE, resourceGroups } from './all-events-sql';
import { loaderDefinition } from './all-events-loader-definition';
import type { DasFirehosePipelineProps } from './props';
import { nagArnOf } from './transform-function';

/** What the loader writes to and reads from. */
export interface LoaderTargets {
  readonly auditBucket: s3.IBucket;
  readonly tableBucket: s3.IBucket;
  readonly resultsBucket: s3.IBucket;
  readonly databaseName: string;
  readonly workGroupName: string;
  readonly resourceIds: readonly string[];
}

/** The loader as the stack creates it. */
export interface AllEventsLoader {
  readonly stateMachine: sfn.StateMachine;
  readonly schedule: scheduler.Schedule;
  /** The alarm on failed, timed-out or aborted executions (none with `alarms: false`). */
  readonly alarm?: cloudwatch.Alarm;
}

/** How often the schedule starts the loader: an event is in all_events within about 20 minutes of being stored. */
export const LOADER_SCHEDULE_MINUTES = 15;

/**
 * The all_events loader: a Step Functions state machine (all-events-loader-definition.ts) started every
 * 15 minutes by EventBridge Scheduler, which runs Athena's insert-only MERGE from `events/` into the
 * Iceberg table, one day and one writer at a time, daily OPTIMIZE and VACUUM, and backfills on demand.
 */
export function allEventsLoader(scope: Construct, props: DasFirehosePipelineProps, targets: LoaderTargets): AllEventsLoader {
  const stack = Stack.of(scope);
  // Named up front, so that its role can list its own executions without a circular reference.
  const stateMachineName = Names.uniqueResourceName(scope, { maxLength: 80 }).slice(0, 60) + '-AllEventsLoader';
  const stateMachineArn = stack.formatArn({ service: 'states', resource: 'stateMachine', resourceName: stateMachineName, arnFormat: ArnFormat.COLON_RESOURCE_NAME });

  const role = new iam.Role(scope, 'AllEventsLoaderRole', {
    assumedBy: new iam.ServicePrincipal('states.amazonaws.com'),
    description: 'das-firehose: loads events/ into the all_events table with Athena, and nothing else',
  });
  for (const statement of loaderStatements(stack, targets, stateMachineArn)) role.addToPrincipalPolicy(statement);

  const logGroup = new logs.LogGroup(scope, 'AllEventsLoaderLogGroup', {
    retention: props.logRetention ?? defaults.DEFAULT_LOG_RETENTION,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const stateMachine = new sfn.StateMachine(scope, 'AllEventsLoader', {
    stateMachineName,
    definitionBody: sfn.DefinitionBody.fromString(
      stack.toJsonString(
        loaderDefinition({
          databaseName: targets.databaseName,
          workGroupName: targets.workGroupName,
          auditBucketName: targets.auditBucket.bucketName,
          resourceGroups: resourceGroups(targets.resourceIds),
        }),
      ),
    ),
    role,
    // Execution data stays out of the logs: state names, timings and errors only.
    logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
    tracingEnabled: true,
    // A backfill of a year runs for hours; a scheduled run for minutes.
    timeout: Duration.days(2),
  });
  Validations.of(role).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'Step Functions\' log delivery (logs:CreateLogDelivery and the like) and X-Ray (xray:PutTraceSegments) take no ' +
      'resource but "*"; every Athena, Glue and S3 action is scoped to the workgroup, the two tables and their prefixes.',
  });
  for (const [bucket, prefix, what] of [
    [targets.auditBucket, defaults.EVENTS_PREFIX, 'reads every stored line under events/ (the MERGE\'s source)'],
    [targets.tableBucket, ALL_EVENTS_PREFIX, 'writes, rewrites (OPTIMIZE) and removes (VACUUM) the table\'s data and metadata files, under generated names'],
  ] as const) {
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${nagArnOf(bucket)}/${prefix}*]`,
      reason: `Athena, on the loader's behalf, ${what}; object access is scoped to ${prefix} and cannot name single objects.`,
    });
  }
  Validations.of(role).acknowledge({
    id: `AwsSolutions-IAM5[Resource::${nagArnOf(targets.resultsBucket)}/*]`,
    reason: 'Athena writes each query\'s results under a generated name in the results bucket, which holds nothing else.',
  });

  const schedule = new scheduler.Schedule(scope, 'AllEventsLoaderSchedule', {
    description: 'das-firehose: load the last hours of events/ into all_events (03:00 UTC: the last 7 days, OPTIMIZE, VACUUM)',
    schedule: scheduler.ScheduleExpression.cron({ minute: `0/${LOADER_SCHEDULE_MINUTES}` }),
    target: new schedulerTargets.StepFunctionsStartExecution(stateMachine, {
      input: scheduler.ScheduleTargetInput.fromObject({}),
      // A start that cannot be made soon is pointless: the next one comes in 15 minutes.
      maxEventAge: Duration.minutes(10),
      retryAttempts: 3,
    }),
  });

  const alarm =
    props.alarms === false
      ? undefined
      : new cloudwatch.Alarm(scope, 'AllEventsLoaderAlarm', {
          alarmDescription:
            `The all_events loader (${stateMachineName}) failed, timed out or was aborted: all_events is not being ` +
            'brought up to date. See the failed execution in the Step Functions console (the failed Athena query\'s ID ' +
            'and reason); the next scheduled run retries the recent hours, and a backfill ({"from","to"}) reloads older ones.',
          metric: new cloudwatch.MathExpression({
            expression: 'failed + timedOut + aborted',
            usingMetrics: {
              failed: stateMachine.metricFailed({ period: Duration.minutes(15) }),
              timedOut: stateMachine.metricTimedOut({ period: Duration.minutes(15) }),
              aborted: stateMachine.metricAborted({ period: Duration.minutes(15) }),
            },
            period: Duration.minutes(15),
          }),
          threshold: 1,
          evaluationPeriods: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        });
  return { stateMachine, schedule, ...(alarm ? { alarm } : {}) };
}

/**
 * The loader's permissions: its queries in the workgroup; the Glue database, the source table (read)
 * and all_events (read, and UpdateTable: each Iceberg commit swaps the table's metadata location);
 * reading `events/`; reading, writing and deleting the table's files; the query results; listing its
 * own running executions.
 */
export function loaderStatements(stack: Stack, targets: LoaderTargets, stateMachineArn: string): iam.PolicyStatement[] {
  const glueArn = (resource: string, resourceName?: string) => stack.formatArn({ service: 'glue', resource, ...(resourceName ? { resourceName } : {}) });
  const { auditBucket, tableBucket, resultsBucket } = targets;
  const statements = [
    new iam.PolicyStatement({
      sid: 'RunLoadQueries',
      actions: ['athena:GetQueryExecution', 'athena:StartQueryExecution', 'athena:StopQueryExecution'],
      resources: [stack.formatArn({ service: 'athena', resource: 'workgroup', resourceName: targets.workGroupName })],
    }),
    new iam.PolicyStatement({
      sid: 'UseDataCatalog',
      actions: ['athena:GetDataCatalog'],
      resources: [stack.formatArn({ service: 'athena', resource: 'datacatalog', resourceName: 'AwsDataCatalog' })],
    }),
    new iam.PolicyStatement({
      sid: 'ReadSourceTable',
      actions: ['glue:BatchGetPartition', 'glue:GetDatabase', 'glue:GetPartition', 'glue:GetPartitions', 'glue:GetTable'],
      resources: [glueArn('catalog'), glueArn('database', targets.databaseName), glueArn('table', `${targets.databaseName}/${EVENT_LINES_TABLE.name}`)],
    }),
    new iam.PolicyStatement({
      sid: 'CommitAllEvents',
      actions: ['glue:GetDatabase', 'glue:GetTable', 'glue:UpdateTable'],
      resources: [glueArn('catalog'), glueArn('database', targets.databaseName), glueArn('table', `${targets.databaseName}/${ALL_EVENTS_TABLE_NAME}`)],
    }),
    new iam.PolicyStatement({ sid: 'ReadEvents', actions: ['s3:GetObject'], resources: [auditBucket.arnForObjects(`${defaults.EVENTS_PREFIX}*`)] }),
    new iam.PolicyStatement({
      sid: 'ListEvents',
      actions: ['s3:ListBucket'],
      resources: [auditBucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': [`${defaults.EVENTS_PREFIX}*`] } },
    }),
    new iam.PolicyStatement({
      sid: 'WriteTableFiles',
      actions: ['s3:AbortMultipartUpload', 's3:DeleteObject', 's3:GetObject', 's3:ListMultipartUploadParts', 's3:PutObject'],
      resources: [tableBucket.arnForObjects(`${ALL_EVENTS_PREFIX}*`)],
    }),
    new iam.PolicyStatement({
      sid: 'ListTableFiles',
      actions: ['s3:ListBucket'],
      resources: [tableBucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': [`${ALL_EVENTS_PREFIX}*`] } },
    }),
    new iam.PolicyStatement({ sid: 'LocateBuckets', actions: ['s3:GetBucketLocation'], resources: [auditBucket.bucketArn, tableBucket.bucketArn, resultsBucket.bucketArn] }),
    new iam.PolicyStatement({
      sid: 'WriteQueryResults',
      actions: ['s3:AbortMultipartUpload', 's3:GetObject', 's3:ListMultipartUploadParts', 's3:PutObject'],
      resources: [resultsBucket.arnForObjects('*')],
    }),
    new iam.PolicyStatement({ sid: 'ListQueryResults', actions: ['s3:ListBucket', 's3:ListBucketMultipartUploads'], resources: [resultsBucket.bucketArn] }),
    new iam.PolicyStatement({ sid: 'OneLoadAtATime', actions: ['states:ListExecutions'], resources: [stateMachineArn] }),
  ];
  const keys = [...new Set([auditBucket.encryptionKey, tableBucket.encryptionKey, resultsBucket.encryptionKey].filter((key) => key !== undefined))];
  if (keys.length > 0) {
    statements.push(new iam.PolicyStatement({ sid: 'UseBucketKeys', actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: keys.map((key) => key.keyArn) }));
  }
  return statements;
}
