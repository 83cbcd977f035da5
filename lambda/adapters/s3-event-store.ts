import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { mapConcurrent } from '../core/concurrency';
import type { EventStore, StoredObject } from '../ports';

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

  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly options: S3EventStoreOptions = {},
  ) {}

  /** PutObject requests sent since this store was built. */
  get putCalls(): number {
    return this.puts;
  }

  putAll(objects: ReadonlyArray<() => Promise<StoredObject>>): Promise<StoredObject[]> {
    return mapConcurrent(objects, this.options.concurrency ?? 64, async (build) => {
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
      );
      return object;
    });
  }
}
