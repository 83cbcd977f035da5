import type { JournalEntry } from '../shared/ports';
import { describe, floorHour, HOUR_MS, OutsideWorldError, type RecordLine } from './replay-batches';
import type { JournalReader } from './ports';

/**
 * Entries written by versions that filed them under the invocation's hour rather than the records'
 * arrival are looked for between the record's arrival and the end of Firehose's last attempt, at most this
 * long. Such entries expire with the journal (90 days by default), and this search with them.
 */
const MAX_LEGACY_SPAN_HOURS = 48;

/** The batch journal of one database as a re-drive reads it: each hour read once, entries by record digest. */
export class JournalIndex {
  private readonly journalHours = new Set<number>();
  private readonly journalByDigest = new Map<string, JournalEntry[]>();

  constructor(
    private readonly resourceId: string,
    private readonly reader: JournalReader,
  ) {}

  /**
   * The journal entry of the batch a record was in, if an attempt of it got as far as writing one. The
   * transformer files each entry under every hour its records arrived in, so the record's own arrival
   * (kept by the error output; else the hour Firehose filed the object under, that of its oldest record)
   * names the one folder to read: how late the delivery or the re-drive came does not matter.
   */
  async batchOf(line: RecordLine, objectHour: number | undefined): Promise<JournalEntry | undefined> {
    const arrival = line.record.arrivalTimestamp ?? objectHour;
    if (arrival === undefined) return undefined;
    const hour = floorHour(arrival);
    await this.readJournalHour(hour);
    let candidates = this.journalByDigest.get(line.digest);
    const ended = line.record.attemptEndingTimestamp;
    if (!candidates && ended !== undefined) {
      // An entry of an earlier version, filed under the hour its invocation ran in.
      const last = Math.min(floorHour(ended), hour + MAX_LEGACY_SPAN_HOURS * HOUR_MS);
      for (let later = hour + HOUR_MS; later <= last; later += HOUR_MS) await this.readJournalHour(later);
      candidates = this.journalByDigest.get(line.digest);
    }
    // The same batch retried keeps its name; of different batches, the earliest is the one the record was first in.
    return candidates?.reduce((first, entry) => (entry.startedAt < first.startedAt ? entry : first));
  }

  private async readJournalHour(hour: number): Promise<void> {
    if (this.journalHours.has(hour)) return;
    this.journalHours.add(hour);
    let entries: JournalEntry[];
    try {
      entries = await this.reader.entries(this.resourceId, hour);
    } catch (error) {
      throw new OutsideWorldError(`reading the journal failed: ${describe(error)}`);
    }
    for (const entry of entries) {
      for (const { sha256 } of entry.records) {
        const list = this.journalByDigest.get(sha256) ?? [];
        if (!list.some((known) => known.name === entry.name)) list.push(entry);
        this.journalByDigest.set(sha256, list);
      }
    }
  }
}
