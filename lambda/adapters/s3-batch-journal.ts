import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { journalKeys } from '../core/shared/journal';
import type { JournalEntry } from '../core/shared/ports';
import type { BatchJournal } from '../core/transform/ports';

/**
 * Keeps the batch journal as one small JSON object per invocation under `journal/` in the audit
 * bucket, next to what it describes, under each hour its records arrived in (see `journalKeys`).
 */
export class S3BatchJournal implements BatchJournal {
  private puts = 0;

  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  /** PutObject requests sent since this journal was built. */
  get putCalls(): number {
    return this.puts;
  }

  async write(entry: JournalEntry, signal?: AbortSignal): Promise<void> {
    const body = JSON.stringify(entry);
    await Promise.all(
      journalKeys(entry).map((key) => {
        this.puts += 1;
        return this.s3.send(
          new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: 'application/json' }),
          signal ? { abortSignal: signal } : {},
        );
      }),
    );
  }
}
