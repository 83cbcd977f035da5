import { ERROR_OUTPUT_ROOT, OK_ROOT, resourceFolder } from '../lambda/core/shared/firehose-layout';

/**
 * Where everything sits in the audit bucket, as plain strings: shared by the stack (Firehose prefixes,
 * lifecycle rules, Glue tables, policies) and the local tools (the emulated Firehose delivery, the
 * local query engine), which must not load aws-cdk-lib to know a folder name.
 */

/** The key prefix the transformer writes the browsable audit log under. */
export const EVENTS_PREFIX = 'events/';

/** The transformer's journal of batches (see lambda/core/shared/journal.ts). */
export { JOURNAL_PREFIX } from '../lambda/core/shared/journal';

/** Everything Firehose itself writes sits under this prefix; the transformer may not write there. */
export { FIREHOSE_ROOT as FIREHOSE_PREFIX } from '../lambda/core/shared/firehose-layout';

/** Where Firehose delivers the Ok records (gzip members of NDJSON), below a folder per database. */
export { OK_ROOT as FIREHOSE_OK_ROOT } from '../lambda/core/shared/firehose-layout';

/** Where Firehose puts records that failed processing or delivery, below a folder per database. */
export { ERROR_OUTPUT_ROOT as FIREHOSE_FAILED_ROOT } from '../lambda/core/shared/firehose-layout';

/** Where `npm run replay` moves the error output it re-drove, with when and how (same path below it). */
export { REPLAYED_ROOT as FIREHOSE_REPLAYED_ROOT } from '../lambda/core/shared/firehose-layout';

/** Where `npm run replay` moves error output whose records fail for good, with the reasons (same path below it). */
export { UNREPLAYABLE_ROOT as FIREHOSE_UNREPLAYABLE_ROOT } from '../lambda/core/shared/firehose-layout';

/** The alert outbox: batches' alerts waiting for the publisher, and those it set aside (lambda/core/alerts/outbox.ts). */
export { OUTBOX_PREFIX as ALERTS_PENDING_PREFIX, REFUSED_PREFIX as ALERTS_REFUSED_PREFIX, UNREADABLE_PREFIX as ALERTS_UNREADABLE_PREFIX } from '../lambda/core/alerts/outbox';

/** Everything of the alert outbox sits under this prefix. */
export const ALERTS_PREFIX = 'alerts/';

/**
 * The UTC date and hour Firehose stamps an object with: that of the oldest record it holds, by arrival.
 * Hive-style, like `events/`, so that Athena and DuckDB read `date` and `hour` off the path the same way.
 */
const HOUR_PATH = 'date=!{timestamp:yyyy-MM-dd}/hour=!{timestamp:HH}/';

/** A database's time-partitioned Ok records: `firehose/ok/resource=<resourceId>/date=YYYY-MM-DD/hour=HH/`. */
export function firehoseOkPrefix(resourceId: string): string {
  return `${OK_ROOT}${resourceFolder(resourceId)}${HOUR_PATH}`;
}

/**
 * A database's error output, by failure type and hour:
 * `firehose/failed/resource=<resourceId>/type=<error type>/date=YYYY-MM-DD/hour=HH/`. Firehose's error
 * records keep the record's data but not which database sent it, and decrypting it needs that database's
 * encryption context: the folder says it.
 */
export function firehoseErrorOutputPrefix(resourceId: string): string {
  return `${ERROR_OUTPUT_ROOT}${resourceFolder(resourceId)}type=!{firehose:error-output-type}/${HOUR_PATH}`;
}

/** The extension of Firehose's Ok objects (see lambda/core/shared/firehose-layout.ts for why). */
export { OK_FILE_EXTENSION as FIREHOSE_FILE_EXTENSION } from '../lambda/core/shared/firehose-layout';
