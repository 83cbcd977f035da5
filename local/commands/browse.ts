import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { auditLogTree, formatTree, hourText, selectionPrefix, type LogSelection } from '../audit-log/tree';
import { formatNdjson, formatTable, selectedEvents } from '../audit-log/events';
import { isUtcDate, parseOptions, UsageError } from './cli';
import { commandFolder } from '../../lambda/core/shared/partition';
import { LocalS3 } from '../../testkit/aws/s3-server';

/** What `npm run browse -- --help` prints. */
export const BROWSE_USAGE = `Usage: npm run browse -- [where] [what]

Lists the audit log's command folders with object and event counts, or prints the events of one
command and date (and hour), decompressed.

Where (default: the local audit log of npm start / npm run local, read from .local/s3):
  --dir <folder>            another local s3rver folder (default .local/s3)
  --endpoint <url>          a running S3-compatible server, e.g. the one npm run local prints;
                            bucket from --bucket, else BUCKET_NAME, else das-firehose-local
  --bucket <name>           a real bucket, through the SDK's standard credentials and region
                            (AWS_PROFILE, AWS_REGION…; AWS_ENDPOINT_URL_S3 is honoured)

What (each narrows the folder list; --command with --date prints events instead):
  --command <command>       e.g. INSERT, or "CREATE TABLE" (folded like the folders: CREATE_TABLE)
  --date <YYYY-MM-DD>       only that UTC day; with --command, prints that day's events
  --hour <0-23>             only that UTC hour of --date
  --format <ndjson|table>   how to print events (default ndjson: one JSON event per line)
  --help                    show this help

Examples:
  npm run browse
  npm run browse -- --date 2026-11-21
  npm run browse -- --command INSERT --date 2026-11-21 --format table
  npm run browse -- --bucket my-audit-bucket --command CONNECT --date 2026-11-21 --hour 12
`;

/** Where npm start and npm run local keep the local bucket's files. */
const DEFAULT_DIRECTORY = join('.local', 's3');

/** The bucket LocalAws creates, and so the one npm start and npm run local write. */
export const LOCAL_BUCKET = 'das-firehose-local';

export interface BrowseRequest {
  readonly source:
    | { readonly kind: 'folder'; readonly directory: string }
    | { readonly kind: 'endpoint'; readonly endpoint: string; readonly bucket: string }
    | { readonly kind: 'bucket'; readonly bucket: string };
  readonly selection: LogSelection;
  /** Set when events are to be printed rather than folders listed. */
  readonly format?: 'ndjson' | 'table';
}

/** Reads `npm run browse` options. Undefined means: print the usage. */
export function parseBrowse(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = process.env): BrowseRequest | undefined {
  const { values } = parseOptions(
    argv,
    {
      dir: { type: 'string' },
      endpoint: { type: 'string' },
      bucket: { type: 'string' },
      command: { type: 'string' },
      date: { type: 'string' },
      hour: { type: 'string' },
      format: { type: 'string' },
      help: { type: 'boolean' },
    },
    'browse',
  );
  if (values.help) return undefined;
  if (values.dir !== undefined && (values.endpoint !== undefined || values.bucket !== undefined)) {
    throw new UsageError('--dir reads a local folder; --endpoint and --bucket read through S3: give one or the other');
  }
  if (values.date !== undefined && !isUtcDate(values.date)) {
    throw new UsageError(`--date must be a UTC day as YYYY-MM-DD, e.g. 2026-11-21; got "${values.date}"`);
  }
  if (values.hour !== undefined && !/^\d{1,2}$/.test(values.hour)) {
    throw new UsageError(`--hour must be a UTC hour from 0 to 23; got "${values.hour}"`);
  }
  if (values.hour !== undefined && Number(values.hour) > 23) {
    throw new UsageError(`--hour must be a UTC hour from 0 to 23; got "${values.hour}"`);
  }
  if (values.hour !== undefined && values.date === undefined) throw new UsageError('--hour needs --date: the hour of which UTC day?');
  const format = values.format;
  if (format !== undefined && format !== 'ndjson' && format !== 'table') {
    throw new UsageError(`--format must be ndjson or table; got "${format}"`);
  }
  const printing = values.command !== undefined && values.date !== undefined;
  if (format !== undefined && !printing) {
    throw new UsageError('--format is for printing events: give --command and --date too');
  }
  const source: BrowseRequest['source'] =
    values.endpoint !== undefined
      ? { kind: 'endpoint', endpoint: values.endpoint, bucket: values.bucket ?? env.BUCKET_NAME ?? LOCAL_BUCKET }
      : values.bucket !== undefined
        ? { kind: 'bucket', bucket: values.bucket }
        : { kind: 'folder', directory: values.dir ?? DEFAULT_DIRECTORY };
  const selection: LogSelection = {
    ...(values.command !== undefined ? { command: values.command } : {}),
    ...(values.date !== undefined ? { date: values.date } : {}),
    ...(values.hour !== undefined ? { hour: hourText(values.hour) } : {}),
  };
  return { source, selection, ...(printing ? { format: format ?? 'ndjson' } : {}) };
}

/** What browsing printed: `out` is the listing or the events (stdout), `note` a hint for stderr. */
export interface BrowseOutput {
  readonly out: string;
  readonly note?: string;
}

/** Lists or prints what the request asks for, starting (and stopping) a temporary s3rver for a local folder. */
export async function browse(request: BrowseRequest): Promise<BrowseOutput> {
  const { source } = request;
  if (source.kind === 'folder') {
    const bucketDir = join(source.directory, LOCAL_BUCKET);
    if (!(await exists(bucketDir))) {
      // As npm run query does: nothing to read is the user's to fix (a mistyped --dir, or nothing run yet), exit 2.
      throw new UsageError(
        source.directory === DEFAULT_DIRECTORY || (await exists(source.directory))
          ? `no local audit log in ${bucketDir} yet: run npm start first (or npm run local, then npm run invoke -- <event file>)`
          : `there is no folder ${source.directory}: give --dir the folder npm run local keeps its files in (default .local/s3), or run npm start first`,
        { pointToHelp: false },
      );
    }
    const server = new LocalS3({ directory: source.directory, buckets: [LOCAL_BUCKET] });
    const endpoint = await server.start();
    try {
      return await browseWith(localClient(endpoint, {}), LOCAL_BUCKET, `${LOCAL_BUCKET} (local folder ${source.directory})`, request);
    } finally {
      await server.stop();
    }
  }
  if (source.kind === 'endpoint') {
    return browseWith(localClient(source.endpoint, process.env), source.bucket, `${source.bucket} at ${source.endpoint}`, request);
  }
  // The SDK's own chain for a real bucket; a custom endpoint (AWS_ENDPOINT_URL_S3) needs path-style, as in the handler.
  const s3 = new S3Client({ forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL_S3 || process.env.AWS_ENDPOINT_URL) });
  return browseWith(s3, source.bucket, `s3://${source.bucket}`, request);
}

/** s3rver accepts only its built-in key pair; other servers get whatever the environment holds. */
function localClient(endpoint: string, env: Readonly<Record<string, string | undefined>>): S3Client {
  return new S3Client({
    endpoint,
    region: env.AWS_REGION ?? 'us-east-1',
    forcePathStyle: true,
    credentials: {
      accessKeyId: env.AWS_ACCESS_KEY_ID ?? 'S3RVER',
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? 'S3RVER',
    },
  });
}

async function browseWith(s3: S3Client, bucket: string, where: string, request: BrowseRequest): Promise<BrowseOutput> {
  try {
    if (request.format) {
      const events = await selectedEvents(s3, bucket, request.selection);
      if (events.length === 0) return { out: '', note: `No events under ${selectionPrefix(request.selection)} in ${where}.` };
      const out = request.format === 'table' ? formatTable(events) : formatNdjson(events);
      return { out, note: `${events.length} events from ${selectionPrefix(request.selection)} in ${where}.` };
    }
    const tree = await auditLogTree(s3, bucket, request.selection);
    return { out: `Audit log in bucket ${where}${narrowed(request.selection)}:\n${formatTree(tree).join('\n')}\n` };
  } finally {
    s3.destroy();
  }
}

/** What the listing is narrowed to, said in its heading so a filter never passes unnoticed. */
function narrowed(selection: LogSelection): string {
  const parts = [
    selection.command !== undefined ? `command ${commandFolder(selection.command)}` : '',
    selection.date !== undefined ? `${selection.date}${selection.hour !== undefined ? ` hour ${hourText(selection.hour)}` : ''} (UTC)` : '',
  ].filter(Boolean);
  return parts.length > 0 ? `, only ${parts.join(', ')}` : '';
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
