import { DeleteObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { mapConcurrent } from '../core/shared/concurrency';
import type { EventStore, StoredObject } from '../core/transform/ports';

export interface S3EventStoreOptions {
  /** PUTs in flight at once. @default 64 */
  readonly concurrency?: number;
}

/**
 * Writes audit-log objects as gzip-compressed NDJSON. Failures surface after the SDK's own retries,
 * rejecting the batch: Firehose then retries it, and the deterministic keys make that an overwrite.
 */
export class S3EventStore implements EventStore {
  private puts = 0;
  private deletes = 0;

  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly options: S3EventStoreOptions = {},
  ) {}

  /** PutObject requests sent since this store was built. */
  get putCalls(): number {
    return this.puts;
  }

  /** DeleteObject requests sent since this store was built (rollbacks of failed batches). */
  get deleteCalls(): number {
    return this.deletes;
  }

  putAll(objects: ReadonlyArray<() => Promise<StoredObject>>, signal?: AbortSignal): Promise<StoredObject[]> {
    return mapConcurrent(objects, this.options.concurrency ?? 64, async (build) => {
      signal?.throwIfAborted();
      const object = await build();
      this.puts += 1;
      await this.s3.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: object.key,
          Body: object.body,
          ContentType: 'application/x-ndjson',
          ContentEncoding: 'gzip',
          Metadata: { 'event-count': String(object.eventCount) },
        }),
        signal ? { abortSignal: signal } : {},
      );
      return object;
    });
  }

  async removeAll(keys: readonly string[], signal?: AbortSignal): Promise<string[]> {
    const left: string[] = [];
    await mapConcurrent(keys, this.options.concurrency ?? 64, async (key) => {
      try {
        signal?.throwIfAborted();
        this.deletes += 1;
        await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }), signal ? { abortSignal: signal } : {});
      } catch {
        left.push(key);
      }
    });
    return left;
  }
}
