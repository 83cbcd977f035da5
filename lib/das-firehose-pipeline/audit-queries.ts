import { Aws, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import * as defaults from '../defaults';
import { allEventsTables, type AllEventsTables } from './all-events-iceberg';
import { ALL_EVENTS_PREFIX, ALL_EVENTS_TABLE_NAME } from './all-events-table';
import { AUDIT_COLUMNS, AUDIT_TABLES, type AuditTable } from './audit-tables';
import { gzipTextTableInput } from './partition-projection';
import { derivedDataBucket } from './derived-bucket';
import { NAMED_QUERIES } from './named-queries';
import type { AuditQueriesOptions } from './props';
import { nagArnOf } from './transform-function';

/** What the pipeline creates for querying the audit log with Athena. */
export interface AuditQueries {
  readonly databaseName: string;
  readonly tableNames: readonly string[];
  readonly workGroupName: string;
  /** Where the workgroup writes query results: a bucket of their own, expiring them. */
  readonly resultsBucket: s3.IBucket;
  /** A managed policy that lets its holder run queries in the workgroup over the audit log, and nothing else. */
  readonly queryPolicy: iam.ManagedPolicy;
  /** The statements of {@link queryPolicy}, for grants to other principals. */
  readonly queryStatements: readonly iam.PolicyStatement[];
  /** The columnar `all_events` table, its bucket, and the source table its loader reads. */
  readonly allEvents: AllEventsTables;
}

/**
 * The Glue database and tables over the audit bucket, with Athena partition projection (no crawler, no
 * `MSCK REPAIR`, no partition registration: a new hour or command is queryable when its first object
 * lands), an Athena workgroup that keeps its results encrypted in a bucket of their own, the named
 * queries, and a managed policy for the people who query.
 */
export function auditQueries(
  scope: Construct,
  options: AuditQueriesOptions,
  bucket: s3.IBucket,
  resourceIds: readonly string[],
  placement: { readonly accessLogsBucket?: s3.IBucket; readonly removalPolicy?: RemovalPolicy } = {},
): AuditQueries {
  const stack = Stack.of(scope);
  // Glue names: lower case, digits and underscores; unique per stack so that two pipelines in one
  // account and region keep their own.
  const databaseName = options.databaseName ?? `${glueName(stack.stackName)}_audit`;
  const workGroupName = options.workGroupName ?? `${stack.stackName}-audit`;
  const database = new glue.CfnDatabase(scope, 'AuditDatabase', {
    catalogId: Aws.ACCOUNT_ID,
    databaseInput: { name: databaseName, description: 'das-firehose: the database activity audit log, for Athena' },
  });
  const tables = AUDIT_TABLES.map((table) => {
    const resource = new glue.CfnTable(scope, `AuditTable${table.name.replace(/(^|_)(\w)/g, (_m, _s, c: string) => c.toUpperCase())}`, {
      catalogId: Aws.ACCOUNT_ID,
      databaseName,
      tableInput: tableInput(table, bucket, resourceIds),
    });
    resource.node.addDependency(database);
    return resource;
  });

  const allEvents = allEventsTables(scope, { databaseName, database, auditBucket: bucket, resourceIds, ...placement });
  const resultsBucket = queryResultsBucket(scope, options, bucket, placement);
  const resultsLocation = `s3://${resultsBucket.bucketName}/`;
  const workGroup = new athena.CfnWorkGroup(scope, 'QueryWorkGroup', {
    name: workGroupName,
    description: 'das-firehose: queries over the database activity audit log',
    state: 'ENABLED',
    // The stack's own named queries go with it; a teardown must not stop at them.
    recursiveDeleteOption: true,
    workGroupConfiguration: {
      // The named queries are written for engine version 3 (Trino): starts_with, regexp_like.
      engineVersion: { selectedEngineVersion: 'Athena engine version 3' },
      enforceWorkGroupConfiguration: true,
      publishCloudWatchMetricsEnabled: true,
      bytesScannedCutoffPerQuery: (options.bytesScannedCutoffPerQuery ?? defaults.DEFAULT_BYTES_SCANNED_CUTOFF).toBytes(),
      resultConfiguration: {
        outputLocation: resultsLocation,
        encryptionConfiguration: resultsBucket.encryptionKey
          ? { encryptionOption: 'SSE_KMS', kmsKey: resultsBucket.encryptionKey.keyArn }
          : { encryptionOption: 'SSE_S3' },
      },
    },
  });

  for (const query of NAMED_QUERIES) {
    const named = new athena.CfnNamedQuery(scope, `NamedQuery${query.name.replace(/(^|-)(\w)/g, (_m, _s, c: string) => c.toUpperCase())}`, {
      name: query.name,
      description: `${query.description}${query.parameters.length ? ` Parameters, in order: ${query.parameters.map((parameter) => parameter.name).join(', ')}.` : ''}`,
      database: databaseName,
      workGroup: workGroupName,
      queryString: query.sql,
    });
    named.node.addDependency(workGroup, ...tables);
  }

  const queryStatements = queryAccessStatements(stack, bucket, resultsBucket, databaseName, workGroupName, allEvents.tableBucket);
  const queryPolicy = new iam.ManagedPolicy(scope, 'QueryPolicy', {
    description: `das-firehose: run queries over the audit log in the ${workGroupName} Athena workgroup, and nothing else`,
    statements: [...queryStatements],
  });
  Validations.of(queryPolicy).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'athena:ListWorkGroups, ListDataCatalogs and ListEngineVersions have no resource type and accept only "*"; ' +
      'they list names, and every action that reads or runs anything is scoped to the workgroup, catalog or tables.',
  });
  for (const prefix of [defaults.EVENTS_PREFIX]) {
    Validations.of(queryPolicy).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${nagArnOf(bucket)}/${prefix}*]`,
      reason:
        `Queries read every object of the audit log: object access is scoped to ${prefix} of the audit bucket, ` +
        'the prefix Athena reads, and cannot name single objects.',
    });
  }
  Validations.of(queryPolicy).acknowledge({
    id: `AwsSolutions-IAM5[Resource::${nagArnOf(allEvents.tableBucket)}/${ALL_EVENTS_PREFIX}*]`,
    reason: `Queries of all_events read its Parquet and Iceberg metadata files, under generated names below ${ALL_EVENTS_PREFIX}.`,
  });
  Validations.of(queryPolicy).acknowledge({
    id: `AwsSolutions-IAM5[Resource::${nagArnOf(resultsBucket)}/*]`,
    reason: 'Athena writes each query\'s results under a generated name in the results bucket, which holds nothing else.',
  });
  return { databaseName, tableNames: [...AUDIT_TABLES.map((table) => table.name), ALL_EVENTS_TABLE_NAME], workGroupName, resultsBucket, queryPolicy, queryStatements, allEvents };
}

/**
 * The query results bucket. Results are copies of audit data, so they are kept apart from the audit
 * bucket: never under its Object Lock (which would make every result undeletable for years), expiring
 * after 30 days, encrypted with the audit bucket's key when it has one, hardened like it.
 */
function queryResultsBucket(
  scope: Construct,
  options: AuditQueriesOptions,
  auditBucket: s3.IBucket,
  placement: { readonly accessLogsBucket?: s3.IBucket; readonly removalPolicy?: RemovalPolicy },
): s3.Bucket {
  return derivedDataBucket(scope, 'QueryResultsBucket', {
    auditBucket,
    ...(placement.accessLogsBucket ? { accessLogsBucket: placement.accessLogsBucket } : {}),
    ...(placement.removalPolicy ? { removalPolicy: placement.removalPolicy } : {}),
    accessLogsPrefix: 'query-results-bucket/',
    lifecycleRules: [
      {
        id: 'ExpireQueryResults',
        expiration: options.resultsExpiration ?? defaults.DEFAULT_QUERY_RESULTS_EXPIRATION,
        noncurrentVersionExpiration: Duration.days(1),
        abortIncompleteMultipartUploadAfter: defaults.ABORT_INCOMPLETE_MULTIPART_UPLOAD_AFTER,
      },
    ],
    holds: 'the results bucket holds only query results, and Athena records every query (who, what, when) in its query history and CloudTrail.',
  });
}

/** The Glue table: OpenX JSON SerDe over gzip NDJSON, every field a string, partitions projected. */
function tableInput(table: AuditTable, bucket: s3.IBucket, resourceIds: readonly string[]): glue.CfnTable.TableInputProperty {
  return gzipTextTableInput(table, bucket, resourceIds, {
    classification: 'json',
    serde: {
      serializationLibrary: 'org.openx.data.jsonserde.JsonSerDe',
      // Glue lower-cases column names; the events' keys are camelCase (dbUserName).
      parameters: { 'case.insensitive': 'true' },
    },
    columns: AUDIT_COLUMNS.map((column) => ({ name: column.name.toLowerCase(), type: 'string', comment: column.comment })),
  });
}

/**
 * What a person who queries needs, and nothing more: the workgroup's query actions, the Glue database and
 * its tables, reading the audit log (`events/`; Firehose's copy holds only receipts now), and writing and reading query results.
 */
function queryAccessStatements(
  stack: Stack,
  bucket: s3.IBucket,
  resultsBucket: s3.IBucket,
  databaseName: string,
  workGroupName: string,
  tableBucket: s3.IBucket,
): iam.PolicyStatement[] {
  const glueArn = (resource: string, resourceName?: string) => stack.formatArn({ service: 'glue', resource, ...(resourceName ? { resourceName } : {}) });
  const statements = [
    new iam.PolicyStatement({
      sid: 'RunQueriesInWorkGroup',
      actions: [
        'athena:BatchGetNamedQuery',
        'athena:BatchGetQueryExecution',
        'athena:GetNamedQuery',
        'athena:GetQueryExecution',
        'athena:GetQueryResults',
        'athena:GetQueryResultsStream',
        'athena:GetQueryRuntimeStatistics',
        'athena:GetWorkGroup',
        'athena:ListNamedQueries',
        'athena:ListQueryExecutions',
        'athena:StartQueryExecution',
        'athena:StopQueryExecution',
      ],
      resources: [stack.formatArn({ service: 'athena', resource: 'workgroup', resourceName: workGroupName })],
    }),
    // What the Athena console and JDBC/ODBC drivers call to show the catalog, as in Athena's
    // "full access to a specified workgroup" example; the list calls take no resource but "*".
    new iam.PolicyStatement({
      sid: 'BrowseCatalog',
      actions: ['athena:GetDatabase', 'athena:GetDataCatalog', 'athena:GetTableMetadata', 'athena:ListDatabases', 'athena:ListTableMetadata'],
      resources: [stack.formatArn({ service: 'athena', resource: 'datacatalog', resourceName: 'AwsDataCatalog' })],
    }),
    new iam.PolicyStatement({
      sid: 'ListWorkGroupsAndCatalogs',
      actions: ['athena:ListDataCatalogs', 'athena:ListEngineVersions', 'athena:ListWorkGroups'],
      resources: ['*'],
    }),
    new iam.PolicyStatement({
      sid: 'ReadAuditTables',
      actions: ['glue:BatchGetPartition', 'glue:GetDatabase', 'glue:GetDatabases', 'glue:GetPartition', 'glue:GetPartitions', 'glue:GetTable', 'glue:GetTables'],
      resources: [
        glueArn('catalog'),
        // Athena looks the default database up before any other (its console and drivers start there).
        glueArn('database', 'default'),
        glueArn('database', databaseName),
        ...AUDIT_TABLES.map((table) => glueArn('table', `${databaseName}/${table.name}`)),
        glueArn('table', `${databaseName}/${ALL_EVENTS_TABLE_NAME}`),
      ],
    }),
    new iam.PolicyStatement({
      sid: 'ReadAuditLog',
      actions: ['s3:GetObject'],
      resources: [bucket.arnForObjects(`${defaults.EVENTS_PREFIX}*`)],
    }),
    new iam.PolicyStatement({
      sid: 'ListAuditLog',
      actions: ['s3:ListBucket'],
      resources: [bucket.bucketArn],
      conditions: {
        StringLike: { 's3:prefix': [`${defaults.EVENTS_PREFIX}*`] },
      },
    }),
    new iam.PolicyStatement({ sid: 'ReadAllEvents', actions: ['s3:GetObject'], resources: [tableBucket.arnForObjects(`${ALL_EVENTS_PREFIX}*`)] }),
    new iam.PolicyStatement({
      sid: 'ListAllEvents',
      actions: ['s3:ListBucket'],
      resources: [tableBucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': [`${ALL_EVENTS_PREFIX}*`] } },
    }),
    new iam.PolicyStatement({ sid: 'LocateBuckets', actions: ['s3:GetBucketLocation'], resources: [bucket.bucketArn, tableBucket.bucketArn, resultsBucket.bucketArn] }),
    new iam.PolicyStatement({
      sid: 'WriteQueryResults',
      actions: ['s3:AbortMultipartUpload', 's3:GetObject', 's3:ListMultipartUploadParts', 's3:PutObject'],
      resources: [resultsBucket.arnForObjects('*')],
    }),
    new iam.PolicyStatement({ sid: 'ListQueryResults', actions: ['s3:ListBucket', 's3:ListBucketMultipartUploads'], resources: [resultsBucket.bucketArn] }),
  ];
  if (bucket.encryptionKey) {
    statements.push(
      new iam.PolicyStatement({
        sid: 'UseBucketKey',
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [bucket.encryptionKey.keyArn],
      }),
    );
  }
  return statements;
}

/** A Glue-safe name: lower case letters, digits and underscores. */
function glueName(text: string): string {
  return text.replace(/[^A-Za-z0-9]+/g, '_').toLowerCase().replace(/^_+|_+$/g, '') || 'das_firehose';
}
