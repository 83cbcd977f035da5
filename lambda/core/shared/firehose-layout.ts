/**
 * Where Firehose's output sits in the audit bucket, as the re-drive needs it: the error output it
 * reads, the folder it moves replayed objects to, and the Ok copy it writes for what it replays (the
 * copy Firehose would have written, had the records not failed). The stack's Firehose prefixes
 * (lib/bucket-layout.ts) are built from the same pieces, and a test holds the two to the same paths.
 */

export const FIREHOSE_ROOT = 'firehose/';

/** Where Firehose delivers the Ok records, below a folder per database and hour. */
export const OK_ROOT = `${FIREHOSE_ROOT}ok/`;

/** Where Firehose writes its error output (the stack's error output prefix begins so). */
export const ERROR_OUTPUT_ROOT = `${FIREHOSE_ROOT}failed/`;

/** Where a re-drive moves what it replayed: the same path below this root, with when and how. */
export const REPLAYED_ROOT = `${FIREHOSE_ROOT}replayed/`;

/**
 * Where a re-drive moves an error output object whose remaining records fail for good (the transformer
 * answered ProcessingFailed for them again): the same path below this root, out of the way of later runs.
 */
export const UNREPLAYABLE_ROOT = `${FIREHOSE_ROOT}unreplayable/`;

/**
 * Each Ok record's data is one JSON line (its receipt), and Firehose gzips the object it delivers (one
 * gzip stream per object), so the object is gzip NDJSON and the extension says so.
 */
export const OK_FILE_EXTENSION = '.jsonl.gz';

/** The database's folder below a root: `resource=<id>/`, Hive-style, for Athena and DuckDB. */
export function resourceFolder(resourceId: string): string {
  return `resource=${resourceId}/`;
}

/** The UTC date and hour folders of a time: `date=YYYY-MM-DD/hour=HH/`. */
export function hourFolders(at: number): string {
  const iso = new Date(at).toISOString();
  return `date=${iso.slice(0, 10)}/hour=${iso.slice(11, 13)}/`;
}

/** The folder of a database's Ok records for an hour: `firehose/ok/resource=<id>/date=…/hour=…/`. */
export function okFolder(resourceId: string, at: number): string {
  return `${OK_ROOT}${resourceFolder(resourceId)}${hourFolders(at)}`;
}

/** The key a replayed error output object moves to. */
export function replayedKey(errorOutputKey: string): string {
  return errorOutputKey.startsWith(ERROR_OUTPUT_ROOT)
    ? `${REPLAYED_ROOT}${errorOutputKey.slice(ERROR_OUTPUT_ROOT.length)}`
    : `${REPLAYED_ROOT}${errorOutputKey}`;
}

/** The key an error output object that fails for good moves to. */
export function unreplayableKey(errorOutputKey: string): string {
  return errorOutputKey.startsWith(ERROR_OUTPUT_ROOT)
    ? `${UNREPLAYABLE_ROOT}${errorOutputKey.slice(ERROR_OUTPUT_ROOT.length)}`
    : `${UNREPLAYABLE_ROOT}${errorOutputKey}`;
}
