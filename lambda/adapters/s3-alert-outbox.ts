import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { gunzipSync } from 'node:zlib';
import { mapConcurrent } from '../core/shared/concurrency';
import { OUTBOX_PREFIX, setAsideKey, type REFUSED_PREFIX, type UNREADABLE_PREFIX } from '../core/alerts/outbox';
import type { AlertOutbox, OutboxBody, PendingObject } from '../core/alerts/publish-outbox';
import type { AlertOutboxWriter } from '../core/transform/ports';

/**
 * The alert outbox in the audit bucket: pending objects under `alerts/pending/`, published ones deleted,
 * those that cannot be published moved under `alerts/unreadable/` or `alerts/refused/` with the reason
 * in their metadata (`x-amz-meta-reason`).
 *
 * Why published objects are deleted rather than kept: an alert is derived from the audit log (its event
 * is stored under the key it names, and the rules raise the same id from it again), and its targets keep
 * the delivered copy; keeping one more object per alerting batch would double the bucket's request and
 * object count for nothing a reader needs. In a versioned bucket the deleted object's last version is
 * still there until the bucket's noncurrent-version expiry.
 */
export class S3AlertOutbox implements AlertOutbox, AlertOutboxWriter {
  private requests = 0;
  private puts = 0;

  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  /** S3 requests sent since this outbox was built. */
  get s3Calls(): number {
    return this.requests;
  }

  /** The transformer's side: writes a batch's outbox object (plain JSON; the publisher reads it). */
  async put(key: string, body: string, signal?: AbortSignal): Promise<void> {
    this.requests += 1;
    this.puts += 1;
    await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: 'application/json' }), signal ? { abortSignal: signal } : {});
  }

  /** Outbox objects written since this outbox was built. */
  get putCalls(): number {
    return this.puts;
  }

  async list(signal?: AbortSignal): Promise<PendingObject[]> {
    const objects: PendingObject[] = [];
    let token: string | undefined;
    do {
      this.requests += 1;
      const page = await this.s3.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: OUTBOX_PREFIX, ContinuationToken: token }), { abortSignal: signal });
      for (const item of page.Contents ?? []) {
        if (item.Key && !item.Key.endsWith('/')) objects.push({ key: item.Key, lastModified: item.LastModified ?? new Date(0) });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return objects.sort((a, b) => a.lastModified.getTime() - b.lastModified.getTime() || (a.key < b.key ? -1 : 1));
  }

  async read(key: string, signal?: AbortSignal): Promise<OutboxBody | undefined> {
    try {
      this.requests += 1;
      const object = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }), { abortSignal: signal });
      const bytes = Buffer.from((await object.Body?.transformToByteArray()) ?? new Uint8Array());
      // Written as plain JSON; a gzipped body (the event store's habit) is read too. A body that does not
      // gunzip is handed on as it is, and the reader reports it unreadable.
      return { text: (isGzip(bytes) ? gunzipOr(bytes) : bytes).toString('utf8'), etag: object.ETag ?? '' };
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  async missing(keys: readonly string[], signal?: AbortSignal): Promise<string[]> {
    // A listing of the key itself, not a HEAD: the publisher may see which event objects exist, never
    // read them (ListBucket on events/, no GetObject there).
    const found = await mapConcurrent(keys, MISSING_CHECKS_IN_FLIGHT, async (key) => {
      this.requests += 1;
      const page = await this.s3.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: key, MaxKeys: 1 }), { abortSignal: signal });
      return page.Contents?.[0]?.Key === key;
    });
    return keys.filter((_, index) => !found[index]);
  }

  async remove(key: string, etag: string, signal?: AbortSignal): Promise<boolean> {
    // A retry of the batch may have rewritten the object since it was read: that version is left for the
    // next run (a moment's window remains between this check and the delete; the rewrite of a retry holds
    // the same alert ids in all but the rarest case, see the outbox's notes).
    try {
      this.requests += 1;
      const head = await this.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }), { abortSignal: signal });
      if (head.ETag !== etag) return false;
    } catch (error) {
      if (isMissing(error)) return true;
      throw error;
    }
    this.requests += 1;
    await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }), { abortSignal: signal });
    return true;
  }

  async setAside(key: string, prefix: typeof UNREADABLE_PREFIX | typeof REFUSED_PREFIX, reason: string, signal?: AbortSignal): Promise<void> {
    this.requests += 2;
    await this.s3.send(
      new CopyObjectCommand({
        Bucket: this.bucket,
        Key: setAsideKey(key, prefix),
        CopySource: `${this.bucket}/${key.split('/').map(encodeURIComponent).join('/')}`,
        MetadataDirective: 'REPLACE',
        ContentType: 'application/json',
        // Metadata travels as HTTP headers: printable ASCII only, and 2 KB in all.
        Metadata: { reason: reason.replace(/[^\x20-\x7e]/g, '?').slice(0, 1024) },
      }),
      { abortSignal: signal },
    );
    await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }), { abortSignal: signal });
  }
}

/** Listings in flight when checking a batch's event objects (a batch has a few dozen at most). */
const MISSING_CHECKS_IN_FLIGHT = 8;

function isMissing(error: unknown): boolean {
  const name = (error as { name?: string }).name;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return name === 'NoSuchKey' || name === 'NotFound' || status === 404;
}

function isGzip(bytes: Buffer): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

function gunzipOr(bytes: Buffer): Buffer {
  try {
    // Outbox objects are small (at most 1000 alerts of about 1 KB): a cap keeps a bomb from filling memory.
    return gunzipSync(bytes, { maxOutputLength: 64 * 1024 * 1024 });
  } catch {
    return bytes;
  }
}
