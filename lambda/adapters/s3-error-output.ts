import { CopyObjectCommand, DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, NoSuchKey, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { ERROR_OUTPUT_ROOT, replayedKey, UNREPLAYABLE_ROOT, unreplayableKey } from '../core/replay/error-output';
import type { ErrorOutputObject, ErrorOutputStore, ReplayMark, UnreplayableObject } from '../core/replay/ports';
import { isResourceId } from '../core/shared/resource';

/** The user metadata an object set aside carries: its lines by reason, as URI-encoded JSON (metadata is ASCII). */
const REASONS_METADATA = 'unreplayable-reasons';
/** S3 allows 2 KB of user metadata in all. */
const MAX_REASONS_BYTES = 1800;

/**
 * Firehose's output in the audit bucket, for a re-drive: error output objects under `firehose/failed/`,
 * their marks (what was replayed, when) as NDJSON under the same path below `firehose/replayed/`,
 * retiring an object by deleting it from the error output once its marks cover every line, and the Ok
 * copy of what was replayed under `firehose/ok/`.
 */
export class S3ErrorOutput implements ErrorOutputStore {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    /** Folders to list, narrower than the whole error output when one database is asked for. */
    private readonly prefixes: readonly string[] = [ERROR_OUTPUT_ROOT],
    /**
     * Also list the folders below the root that name no database (`firehose/failed/processing-failed/…`,
     * the stack's first layout): with one database asked for, their objects are taken as that database's.
     */
    private readonly unnamedFolders = false,
  ) {}

  async list(): Promise<ErrorOutputObject[]> {
    return this.listUnder(ERROR_OUTPUT_ROOT, this.prefixes);
  }

  private async listUnder(root: string, prefixes: readonly string[]): Promise<ErrorOutputObject[]> {
    // The first layout's folders are found by listing the whole root and keeping what names no database
    // (the error output is small next to the audit log; one listing, rather than a delimiter walk per folder).
    const wanted = this.unnamedFolders ? [root] : prefixes;
    const objects: ErrorOutputObject[] = [];
    for (const prefix of new Set(wanted)) {
      let token: string | undefined;
      do {
        const page = await this.s3.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }));
        for (const item of page.Contents ?? []) {
          if (!item.Key || item.Key.endsWith('/')) continue;
          if (this.unnamedFolders && !prefixes.some((named) => item.Key?.startsWith(named)) && !namesNoDatabase(item.Key, root)) continue;
          objects.push({ key: item.Key, size: item.Size ?? 0 });
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    }
    return objects.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async setAside(key: string, reasons: Readonly<Record<string, number>>): Promise<void> {
    // The reasons, shortened to fit S3's metadata: the marks object and the report keep the rest.
    const short = Object.fromEntries(Object.entries(reasons).slice(0, 5).map(([reason, count]) => [reason.slice(0, 200), count]));
    let encoded = encodeURIComponent(JSON.stringify(short));
    if (encoded.length > MAX_REASONS_BYTES) encoded = encodeURIComponent(JSON.stringify({ [Object.keys(short)[0]?.slice(0, 100) ?? 'unknown']: Object.values(reasons).reduce((a, b) => a + b, 0) }));
    await this.s3.send(
      new CopyObjectCommand({
        Bucket: this.bucket,
        Key: unreplayableKey(key),
        CopySource: `${this.bucket}/${key.split('/').map(encodeURIComponent).join('/')}`,
        MetadataDirective: 'REPLACE',
        Metadata: { [REASONS_METADATA]: encoded },
      }),
    );
    await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  async unreplayable(): Promise<UnreplayableObject[]> {
    const prefixes = this.prefixes.map((prefix) => (prefix.startsWith(ERROR_OUTPUT_ROOT) ? `${UNREPLAYABLE_ROOT}${prefix.slice(ERROR_OUTPUT_ROOT.length)}` : prefix));
    const found: UnreplayableObject[] = [];
    for (const object of await this.listUnder(UNREPLAYABLE_ROOT, prefixes)) {
      const head = await this.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key: object.key }));
      found.push({ key: object.key, reasons: decodeReasons(head.Metadata?.[REASONS_METADATA]) });
    }
    return found;
  }

  async read(key: string): Promise<Buffer> {
    const object = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    return Buffer.from((await object.Body?.transformToByteArray()) ?? new Uint8Array());
  }

  async marks(key: string): Promise<ReplayMark[]> {
    // Listed before it is read: without s3:ListBucket on a prefix S3 answers a missing key with 403, not
    // 404, and the replay function may list only the prefixes it reads.
    const markKey = replayedKey(key);
    const listing = await this.s3.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: markKey, MaxKeys: 1 }));
    if (listing.Contents?.[0]?.Key !== markKey) return [];
    let text: string;
    try {
      const object = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: markKey }));
      text = (await object.Body?.transformToString('utf8')) ?? '';
    } catch (error) {
      // Listed a moment ago and gone now: the same as never there.
      if (error instanceof NoSuchKey || (error as { name?: string }).name === 'NoSuchKey') return [];
      throw error;
    }
    // Written by mark() below; a line that does not read as one is ignored (its record is replayed again,
    // under the same record ID, which overwrites rather than duplicates).
    const marks: ReplayMark[] = [];
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      try {
        const mark = JSON.parse(line) as { line?: unknown; result?: unknown; replayedAt?: unknown; record?: unknown };
        if (typeof mark.line === 'number' && (mark.result === 'Ok' || mark.result === 'Dropped') && typeof mark.replayedAt === 'string') {
          marks.push({ line: mark.line, result: mark.result, replayedAt: mark.replayedAt, record: JSON.stringify(mark.record ?? null) });
        }
      } catch {
        // See above.
      }
    }
    return marks;
  }

  async mark(key: string, marks: readonly ReplayMark[]): Promise<void> {
    const body = [...marks]
      .sort((a, b) => a.line - b.line)
      // The record is the error output's own JSON text, embedded as it was written.
      .map((mark) => `{"line":${mark.line},"result":${JSON.stringify(mark.result)},"replayedAt":${JSON.stringify(mark.replayedAt)},"source":${JSON.stringify(key)},"record":${mark.record}}\n`)
      .join('');
    await this.s3.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: replayedKey(key), Body: body, ContentType: 'application/x-ndjson' }),
    );
  }

  async retire(key: string): Promise<void> {
    await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  async putOkCopy(key: string, body: Buffer): Promise<void> {
    await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body }));
  }
}

function decodeReasons(text: string | undefined): Record<string, number> {
  try {
    const parsed = JSON.parse(decodeURIComponent(text ?? '')) as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
      return Object.fromEntries(Object.entries(parsed).filter((entry): entry is [string, number] => typeof entry[1] === 'number'));
    }
  } catch {
    // Not written by setAside: the object is listed without reasons.
  }
  return { 'no reasons recorded': 0 };
}

/** Whether a key's first folder below the root is neither `resource=<id>/` nor `<id>/` (the stack's first layout). */
function namesNoDatabase(key: string, root: string): boolean {
  const folder = key.slice(root.length).split('/')[0] ?? '';
  return key.slice(root.length).includes('/') && !folder.startsWith('resource=') && !isResourceId(folder);
}
