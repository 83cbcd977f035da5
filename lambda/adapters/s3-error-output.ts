import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, NoSuchKey, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { ERROR_OUTPUT_ROOT, replayedKey } from '../core/replay/error-output';
import type { ErrorOutputObject, ErrorOutputStore, ReplayMark } from '../core/replay/ports';

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
  ) {}

  async list(): Promise<ErrorOutputObject[]> {
    const objects: ErrorOutputObject[] = [];
    for (const prefix of this.prefixes) {
      let token: string | undefined;
      do {
        const page = await this.s3.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }));
        for (const item of page.Contents ?? []) {
          if (item.Key && !item.Key.endsWith('/')) objects.push({ key: item.Key, size: item.Size ?? 0 });
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    }
    return objects.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
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
