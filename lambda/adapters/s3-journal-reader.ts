import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { journalHourPrefix } from '../core/shared/journal';
import type { JournalEntry } from '../core/shared/ports';
import type { JournalReader } from '../core/replay/ports';

/** The batch journal read back from `journal/<resourceId>/YYYY/MM/DD/HH/`, one hour at a time. */
export class S3JournalReader implements JournalReader {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  async entries(resourceId: string, hour: number): Promise<JournalEntry[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.s3.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: journalHourPrefix(resourceId, hour), ContinuationToken: token }),
      );
      for (const item of page.Contents ?? []) if (item.Key?.endsWith('.json')) keys.push(item.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    const entries: JournalEntry[] = [];
    for (const key of keys) {
      const object = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      const entry = journalEntry((await object.Body?.transformToString('utf8')) ?? '');
      // An entry that does not read as one names no records: its batch's records are replayed on their own.
      if (entry && entry.resourceId === resourceId) entries.push(entry);
    }
    return entries;
  }
}

function journalEntry(text: string): JournalEntry | undefined {
  try {
    const value = JSON.parse(text) as Partial<JournalEntry>;
    const records = value.records;
    if (
      typeof value.name !== 'string' ||
      typeof value.resourceId !== 'string' ||
      typeof value.startedAt !== 'number' ||
      !Array.isArray(records) ||
      !records.every((record) => typeof record?.recordId === 'string' && typeof record?.sha256 === 'string')
    ) {
      return undefined;
    }
    // Entries written before they were filed by arrival carry no arrivalHours: they are found by the hour
    // they sit in, which the reader is asked for.
    const arrivalHours = Array.isArray(value.arrivalHours) ? value.arrivalHours.filter((hour): hour is number => typeof hour === 'number') : [];
    return { name: value.name, resourceId: value.resourceId, startedAt: value.startedAt, arrivalHours, records };
  } catch {
    return undefined;
  }
}
