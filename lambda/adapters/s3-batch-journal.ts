import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { journalKey } from '../core/journal';
import type { BatchJournal, JournalEntry } from '../core/ports';

/**
 * Keeps the batch journal as one small JSON object per invocation under `journal/` in the audit
 * bucket, next to what it describes (see `journalKey`).
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
    this.puts += 1;
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: journalKey(entry),
        Body: JSON.stringify(entry),
        ContentType: 'application/json',
      }),
      signal ? { abortSignal: signal } : {},
    );
  }
}
