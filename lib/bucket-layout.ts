/**
 * Where everything sits in the audit bucket, as plain strings: shared by the stack (Firehose prefixes,
 * lifecycle rules, Glue tables, policies) and the local tools (the emulated Firehose delivery, the
 * local query engine), which must not load aws-cdk-lib to know a folder name.
 */

/** The key prefix the transformer writes the browsable audit log under. */
export const EVENTS_PREFIX = 'events/';

/** The transformer's journal of batches (see lambda/core/journal.ts). */
export { JOURNAL_PREFIX } from '../lambda/core/journal';

/** Where the Athena workgroup keeps query results: their own prefix, encrypted, expiring. */
export const QUERY_RESULTS_PREFIX = 'athena-results/';

/** Everything Firehose itself writes sits under this prefix; the transformer may not write there. */
export const FIREHOSE_PREFIX = 'firehose/';

/** Where Firehose delivers the Ok records (gzip members of NDJSON), below a folder per database. */
export const FIREHOSE_OK_ROOT = `${FIREHOSE_PREFIX}ok/`;

/** Where Firehose puts records that failed processing or delivery, below a folder per database. */
export const FIREHOSE_FAILED_ROOT = `${FIREHOSE_PREFIX}failed/`;

/**
 * The UTC date and hour Firehose stamps an object with: that of the oldest record it holds, by arrival.
 * Hive-style, like `events/`, so that Athena and DuckDB read `date` and `hour` off the path the same way.
 */
const HOUR_PATH = 'date=!{timestamp:yyyy-MM-dd}/hour=!{timestamp:HH}/';

/** A database's time-partitioned Ok records: `firehose/ok/resource=<resourceId>/date=YYYY-MM-DD/hour=HH/`. */
export function firehoseOkPrefix(resourceId: string): string {
  return `${FIREHOSE_OK_ROOT}resource=${resourceId}/${HOUR_PATH}`;
}

/**
 * A database's error output, by failure type and hour:
 * `firehose/failed/resource=<resourceId>/type=<error type>/date=YYYY-MM-DD/hour=HH/`. Firehose's error
 * records keep the record's data but not which database sent it, and decrypting it needs that database's
 * encryption context: the folder says it.
 */
export function firehoseErrorOutputPrefix(resourceId: string): string {
  return `${FIREHOSE_FAILED_ROOT}resource=${resourceId}/type=!{firehose:error-output-type}/${HOUR_PATH}`;
}

/**
 * Each Ok record is already a complete gzip member of NDJSON, so the concatenated object is a valid
 * gzip file: no second compression, no appended delimiter, and the extension says what it is.
 */
export const FIREHOSE_FILE_EXTENSION = '.jsonl.gz';
