import { PayloadTooLargeError, RecordError } from '../shared/errors';
import { readActivityPayload, type ActivityEvent, type PayloadLimits } from '../shared/activity-payload';
import { eventFate, type DropFilters } from './event-filter';
import { eventLineLayout, writeEventLines } from '../shared/ndjson';
import { receiptLine, type ReceiptSource } from './receipt';
import { eventFolder } from '../shared/partition';
import { detached } from '../shared/detached';
import type { RuleMatcher } from '../alerts/alert-rules';
import { matchEvent, type AlertBudget, type AlertMatch } from '../alerts/alerts';

/** A record that cannot be read, and why (safe to log: never content). */
export interface Failed {
  readonly kind: 'failed';
  readonly reason: string;
}

/** What the transformer decided for one record. */
export type RecordOutcome =
  | {
      readonly kind: 'ok';
      readonly kept: KeptEvents;
      /** The Ok answer's data: the record's receipt (see receipt.ts), never its events. */
      readonly data: Buffer;
      readonly counts: EventCounts;
      /** Kept events by their `class`, for the metrics. */
      readonly classes: ReadonlyMap<string, number>;
      /** What the alert rules found among the kept events. */
      readonly alerts: readonly AlertMatch[];
    }
  | { readonly kind: 'dropped'; readonly counts: EventCounts }
  | Failed;

/**
 * The kept events of one record: their lines as NDJSON bytes (line `i` ends at `ends[i]`), and for each
 * the key of its (command, date, hour) folder.
 */
export interface KeptEvents {
  readonly bytes: Buffer;
  readonly ends: Uint32Array;
  readonly folders: readonly string[];
}

export interface EventCounts {
  events: number;
  heartbeats: number;
  filtered: number;
}

export interface RecordSettings {
  readonly limits: PayloadLimits;
  readonly dropFilters: DropFilters;
  /** The alert rules, when any are in force. */
  readonly matcher?: RuleMatcher;
  /** Characters of SQL text an alert carries. */
  readonly alertSqlTextChars?: number;
  /** The batch's room for alerts (matches beyond it are counted only). */
  readonly alertBudget?: AlertBudget;
}

/**
 * What each kept event costs in memory besides its text, until its object is written: the IDs its line
 * gains (the `clusterId`/`instanceId` suffix, written out with each line) and its slots in the record's
 * arrays. Measured with `npm run memory` (records of 100,000 empty events).
 */
export const KEPT_EVENT_BYTES = 128;

/**
 * How much one batch may hold in all: every record's decompressed text, as it costs in memory, and
 * every kept event's own overhead. Charged as each record is read; once the budget is spent, further
 * records fail alone (kept, with their data, for a re-drive) instead of the function running out of
 * memory and failing every record of the batch, again and again.
 */
export class DecompressionBudget {
  /** One string per (command, date, hour) folder, shared by every event filed there. */
  private readonly folders = new Map<string, string>();

  constructor(private left: number) {}

  get remaining(): number {
    return this.left;
  }

  charge(bytes: number): void {
    this.left -= bytes;
  }

  /** The batch's one copy of a folder name: a million events in one folder hold one string, not a million. */
  folder(name: string): string {
    const known = this.folders.get(name);
    if (known !== undefined) return known;
    this.folders.set(name, name);
    return name;
  }
}

/**
 * Runs the work on one record's bytes and turns **anything** it throws into that record's failure.
 * This is the only place a record fails, and nothing inside it talks to the outside world, so no input
 * can fail the batch: a bug or an input nobody foresaw costs one ProcessingFailed record, not the batch.
 */
export async function isolated<T>(work: () => T | Promise<T>): Promise<T | Failed> {
  try {
    return await work();
  } catch (error) {
    return { kind: 'failed', reason: failureReason(error) };
  }
}

/** The reason logged for a failed record: the record error's own words, or only the kind of an unforeseen error. */
export function failureReason(error: unknown): string {
  if (error instanceof RecordError) return error.message;
  // An unforeseen error's message may quote the input (parsers do): name its kind only.
  const kind = error instanceof Error ? error.name : typeof error;
  return `unexpected ${kind} while reading the record`;
}

/**
 * Everything that happens to one record once it is decrypted: gunzip, read, filter, partition, and the
 * Ok answer's data (the record's receipt). Purely local and synchronous; run it inside {@link isolated}.
 */
export function readOpenedRecord(gzipped: Buffer, source: ReceiptSource, settings: RecordSettings, budget: DecompressionBudget): RecordOutcome {
  const arrival = source.arrival;
  const perRecord = settings.limits.maxDecompressedBytes;
  const cap = Math.min(perRecord, budget.remaining);
  if (cap < 1) throw overBudget(budget, perRecord);

  const counts: EventCounts = { events: 0, heartbeats: 0, filtered: 0 };
  const events: ActivityEvent[] = [];
  let payload;
  try {
    payload = readActivityPayload(gzipped, { ...settings.limits, maxDecompressedBytes: cap }, (event) => {
      const fate = eventFate(event, settings.dropFilters);
      if (fate === 'kept') events.push(event);
      else counts[fate === 'heartbeat' ? 'heartbeats' : 'filtered'] += 1;
    });
  } catch (error) {
    if (cap < perRecord && error instanceof PayloadTooLargeError) {
      throw overBudget(budget, perRecord);
    }
    throw error;
  }
  counts.events = payload.events;
  if (events.length === 0) {
    budget.charge(payload.memoryBytes);
    return { kind: 'dropped', counts };
  }

  // Kept until the batch is written: the lines' bytes (the payload's IDs written into each, and beyond
  // ASCII more than the text takes as a string) and each event's own overhead; while the record is
  // read, its text. Measured before the lines are written, so a record they would not fit fails alone.
  const layout = eventLineLayout(payload, events);
  const held = Math.max(payload.memoryBytes, layout.size) + events.length * KEPT_EVENT_BYTES;
  if (held > budget.remaining) {
    const error = linesOverBudget(budget, layout.size);
    // Spent: the records after it fail without being read, as when a text passes what is left.
    budget.charge(held);
    throw error;
  }
  budget.charge(held);
  // The lines are written out as bytes now, so that the payload's text (which every line would
  // otherwise hold on to) is garbage once the record is read, instead of surviving to the batch's end.
  const { bytes, ends } = writeEventLines(layout);
  const folders: string[] = new Array(events.length);
  const classes = new Map<string, number>();
  const alerts: AlertMatch[] = [];
  const matcher = settings.matcher && !settings.matcher.empty ? settings.matcher : undefined;
  events.forEach((event, index) => {
    const folder = budget.folder(eventFolder(event, arrival));
    folders[index] = folder;
    const klass = metricClass(event.fields.class);
    classes.set(klass, (classes.get(klass) ?? 0) + 1);
    if (matcher) {
      // The alert's line is read back from the bytes: a fresh string, not one that keeps the text alive.
      const line = (): string => bytes.toString('utf8', index === 0 ? 0 : (ends[index - 1] as number), (ends[index] as number) - 1);
      for (const match of matchEvent(matcher, event, folder, line, settings.alertSqlTextChars ?? 0)) {
        if (!settings.alertBudget || settings.alertBudget.take(match.rule)) alerts.push(match);
      }
    }
  });
  return { kind: 'ok', kept: { bytes, ends, folders }, data: receiptLine(source, events.length), counts, classes, alerts };
}

function linesOverBudget(budget: DecompressionBudget, lineBytes: number): RecordError {
  return new RecordError(
    `the record's events would take ${lineBytes} bytes as stored lines, more than the ${Math.max(0, budget.remaining)} bytes ` +
      'the batch has left to hold; this record is kept with its data for a re-drive',
  );
}

function overBudget(budget: DecompressionBudget, perRecord: number): RecordError {
  return new RecordError(
    'the batch had already read as much decompressed activity as one invocation may hold ' +
      `(${Math.max(0, budget.remaining)} bytes left, records may have up to ${perRecord}); this record was not read ` +
      'and is kept with its data for a re-drive',
  );
}

/**
 * An event's class as a metric dimension: upper case, letters, digits, spaces and `_` only, at most 40
 * characters, `NONE` when it has none. A handful of values per engine (READ, WRITE, MAIN, Standard, TABLE…).
 */
export function metricClass(value: unknown): string {
  if (typeof value !== 'string') return 'NONE';
  // Asked once per event, of a handful of values: each is cleaned once.
  let known = metricClasses.get(value);
  if (known === undefined) {
    const clean = value.trim().toUpperCase().replace(/[^A-Z0-9 _]+/g, '_').slice(0, 40);
    known = clean === '' ? 'NONE' : detached(clean);
    if (metricClasses.size >= 256) metricClasses.clear();
    // Kept across invocations: a copy, never a view of a record's text (see detached.ts).
    metricClasses.set(detached(value), known);
  }
  return known;
}

const metricClasses = new Map<string, string>();
