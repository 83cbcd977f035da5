import type { FirehoseTransformationEventRecord } from 'aws-lambda';

/**
 * What Firehose keeps of an Ok record: a receipt, not the events. The audit log is `events/` (each event
 * once, under a deterministic key); Firehose's copy under `firehose/ok/` only says which Kinesis records
 * were stored and how many events each gave, so the transformer compresses nothing for it and its answer
 * stays far below Lambda's 6 MB response cap. Firehose gzips the delivered objects itself (one gzip stream
 * per object), and the local emulation and the re-drive's Ok copy do the same.
 *
 * @example
 * {"sequenceNumber":"49590338271490256608559692538361571095921575989136588898","subsequenceNumber":0,"arrival":1763726400000,"events":10}
 */
export interface Receipt {
  /** The Kinesis sequence number, when Firehose read the record from a Kinesis stream. */
  readonly sequenceNumber?: string;
  /** The Kinesis subsequence number (a number, whether the event had a number or a string). */
  readonly subsequenceNumber?: number;
  /** Firehose's approximate arrival of the record, ms since the epoch. */
  readonly arrival: number;
  /** Events stored from the record. */
  readonly events: number;
}

/** Where a record came from, as its receipt names it. */
export interface ReceiptSource {
  readonly arrival: number;
  readonly sequenceNumber?: string;
  readonly subsequenceNumber?: number;
}

/** The source of a Firehose record's receipt: its Kinesis metadata when it has any, and its arrival. */
export function receiptSourceOf(record: FirehoseTransformationEventRecord, arrival: number): ReceiptSource {
  const metadata = record.kinesisRecordMetadata;
  const sequenceNumber = typeof metadata?.sequenceNumber === 'string' ? metadata.sequenceNumber : undefined;
  // Real payloads carry a number; @types/aws-lambda and some samples a string: accept both, write a number.
  const raw: unknown = metadata?.subsequenceNumber;
  const subsequence = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : undefined;
  return {
    arrival,
    ...(sequenceNumber !== undefined ? { sequenceNumber } : {}),
    ...(subsequence !== undefined && Number.isSafeInteger(subsequence) ? { subsequenceNumber: subsequence } : {}),
  };
}

/**
 * The Ok data of a record: its receipt as one JSON line, fields in the order of {@link Receipt}. Written
 * as text, once per record of every batch: what `JSON.stringify` of the receipt gives, without building
 * the object first.
 */
export function receiptLine(source: ReceiptSource, events: number): Buffer {
  const sequence = source.sequenceNumber !== undefined ? `"sequenceNumber":${JSON.stringify(source.sequenceNumber)},` : '';
  const subsequence = source.subsequenceNumber !== undefined ? `"subsequenceNumber":${JSON.stringify(source.subsequenceNumber)},` : '';
  return Buffer.from(`{${sequence}${subsequence}"arrival":${JSON.stringify(source.arrival)},"events":${JSON.stringify(events)}}\n`);
}
