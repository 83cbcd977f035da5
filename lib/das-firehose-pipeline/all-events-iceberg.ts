import { Aws, Duration, type RemovalPolicy } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import * as defaults from '../defaults';
import {
  ALL_EVENTS_COLUMNS,
  ALL_EVENTS_PARTITION_COLUMNS,
  ALL_EVENTS_PREFIX,
  ALL_EVENTS_SORT_ORDER,
  ALL_EVENTS_TABLE_NAME,
} from './all-events-table';
import { EVENT_LINES_FIELD_DELIMITER, EVENT_LINES_TABLE } from './all-events-sql';
import { gzipTextTableInput } from './partition-projection';
import { derivedDataBucket } from './derived-bucket';

/** The all_events table as the stack creates it. */
export interface AllEventsTables {
  /** The bucket holding the table's data and metadata files, under `tables/all_events/`. */
  readonly tableBucket: s3.Bucket;
  /** The Iceberg table `all_events`. */
  readonly table: glue.CfnTable;
  /** The source table `event_lines` over `events/`, read by the loader only. */
  readonly sourceTable: glue.CfnTable;
}

/** Where the table and its source are created. */
export interface AllEventsPlacement {
  readonly databaseName: string;
  readonly database: glue.CfnDatabase;
  readonly auditBucket: s3.IBucket;
  readonly resourceIds: readonly string[];
  readonly accessLogsBucket?: s3.IBucket;
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The Iceberg table `all_events` (columns, identity partitions and sort order from all-events-table.ts)
 * in a bucket of its own, and the source table the loader reads `events/` through.
 *
 * Why a bucket of its own: the audit bucket may have Object Lock, which puts every file Athena writes
 * under the default retention, so the files OPTIMIZE replaces and VACUUM removes could not be deleted
 * for years (in compliance mode not even by the account's root) and would pile up as locked versions.
 * The table is derived data, rebuilt from `events/` by one backfill: it needs no lock, and its
 * replaced files' versions go after a day.
 */
export function allEventsTables(scope: Construct, placement: AllEventsPlacement): AllEventsTables {
  const { auditBucket } = placement;
  const tableBucket = derivedDataBucket(scope, 'AllEventsBucket', {
    auditBucket,
    ...(placement.accessLogsBucket ? { accessLogsBucket: placement.accessLogsBucket } : {}),
    ...(placement.removalPolicy ? { removalPolicy: placement.removalPolicy } : {}),
    accessLogsPrefix: 'all-events-bucket/',
    lifecycleRules: [
      // VACUUM deletes the files no snapshot needs; versioning keeps them a day longer, no more.
      { id: 'ReplacedTableFiles', noncurrentVersionExpiration: Duration.days(1) },
      { id: 'AbortIncompleteUploads', abortIncompleteMultipartUploadAfter: defaults.ABORT_INCOMPLETE_MULTIPART_UPLOAD_AFTER },
    ],
    holds:
      'this bucket holds only the all_events table, derived from events/ and written by the stack\'s Athena workgroup, whose queries Athena records.',
  });

  const table = new glue.CfnTable(scope, 'AllEventsTable', {
    catalogId: Aws.ACCOUNT_ID,
    databaseName: placement.databaseName,
    name: ALL_EVENTS_TABLE_NAME,
    openTableFormatInput: { icebergInput: { metadataOperation: 'CREATE', version: '2', icebergTableInput: icebergTableInput(tableBucket) } },
  });
  table.node.addDependency(placement.database);

  const sourceTable = new glue.CfnTable(scope, 'AllEventsSourceTable', {
    catalogId: Aws.ACCOUNT_ID,
    databaseName: placement.databaseName,
    tableInput: eventLinesTableInput(auditBucket, placement.resourceIds),
  });
  sourceTable.node.addDependency(placement.database);
  return { tableBucket, table, sourceTable };
}

/** Iceberg field IDs: the columns' positions in ALL_EVENTS_COLUMNS, from 1. */
function fieldId(name: string): number {
  const index = ALL_EVENTS_COLUMNS.findIndex((column) => column.name === name);
  if (index < 0) throw new Error(`all_events has no column ${name}`);
  return index + 1;
}

/** The Iceberg schema, identity partitions and write order of all_events. */
export function icebergTableInput(tableBucket: s3.IBucket): glue.CfnTable.IcebergTableInputProperty {
  return {
    location: `s3://${tableBucket.bucketName}/${ALL_EVENTS_PREFIX}`,
    schema: {
      schemaId: 0,
      type: 'struct',
      fields: ALL_EVENTS_COLUMNS.map((column) => ({ id: fieldId(column.name), name: column.name, type: column.type, required: false, doc: column.comment })),
    },
    partitionSpec: {
      specId: 0,
      // Partition field IDs start at 1000, as Iceberg numbers them.
      fields: ALL_EVENTS_PARTITION_COLUMNS.map((column, index) => ({ fieldId: 1000 + index, name: column.name, sourceId: fieldId(column.name), transform: 'identity' })),
    },
    // Recorded for engines that sort on write; Athena documents no write sort order, so files may be unsorted.
    writeOrder: {
      orderId: 1,
      fields: ALL_EVENTS_SORT_ORDER.map((name) => ({ sourceId: fieldId(name), transform: 'identity', direction: 'asc', nullOrder: 'nulls-first' })),
    },
    properties: {
      'write.format.default': 'parquet',
      'write.parquet.compression-codec': 'zstd',
      // Files of up to 128 MB: a few per database and day after OPTIMIZE.
      'write.target-file-size-bytes': String(128 * 1024 * 1024),
    },
  };
}

/**
 * `event_lines`: LazySimpleSerDe with a delimiter JSON never holds raw, so the one column is each line's
 * exact text (its event key needs the bytes as stored); partitions projected like `events_by_command`.
 */
function eventLinesTableInput(bucket: s3.IBucket, resourceIds: readonly string[]): glue.CfnTable.TableInputProperty {
  return gzipTextTableInput(EVENT_LINES_TABLE, bucket, resourceIds, {
    classification: 'csv',
    serde: {
      serializationLibrary: 'org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe',
      parameters: { 'field.delim': EVENT_LINES_FIELD_DELIMITER, 'serialization.format': EVENT_LINES_FIELD_DELIMITER },
    },
    columns: [{ name: EVENT_LINES_TABLE.column.name, type: 'string', comment: EVENT_LINES_TABLE.column.comment }],
  });
}
