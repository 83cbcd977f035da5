import type { FirehoseTransformationEventRecord, FirehoseTransformationResultRecord } from 'aws-lambda';
import { BatchFailedError } from '../shared/errors';
import type { RecordOutcome } from './record-reader';

/**
 * The answer Firehose gets for a batch: one entry per record ID, and a response that always fits
 * Lambda's cap.
 */

/** Lambda's cap on a synchronous response, which is how Firehose invokes the transformer. */
export const MAX_RESPONSE_BYTES = 6 * 1024 * 1024;

/** What one answer costs in the response besides its data: its record ID, result and JSON punctuation. */
const ANSWER_OVERHEAD = 64;

/**
 * Keeps the answer under Lambda's response cap. Ok data is a receipt of about 100 bytes (receipt.ts), far
 * less than the DAS record it answers (whose KMS key blob alone is longer), so a batch that fits the request
 * cap fits the response cap; the guard stays because the cap is Lambda's and a broken answer loses the whole
 * batch. In record order, a record is answered Ok only if
 * its data still fits with every later record answered with its original data (which always fits: the
 * request did); otherwise it fails alone, with its data, for a re-drive in a smaller batch. The same
 * records are refused on every attempt of a batch, since the decision depends only on the answers.
 */
export function fitResponse(
  records: readonly FirehoseTransformationEventRecord[],
  outcomes: readonly RecordOutcome[],
  maxBytes: number,
): RecordOutcome[] {
  const original = records.map((record) => record.recordId.length + (typeof record.data === 'string' ? record.data.length : 0) + ANSWER_OVERHEAD);
  let later = original.reduce((sum, bytes) => sum + bytes, 16);
  let used = 0;
  return outcomes.map((outcome, index) => {
    const own = original[index] as number;
    later -= own;
    if (outcome.kind !== 'ok') {
      used += own;
      return outcome;
    }
    const ok = (records[index] as FirehoseTransformationEventRecord).recordId.length + Math.ceil(outcome.data.length / 3) * 4 + ANSWER_OVERHEAD;
    if (used + ok + later <= maxBytes) {
      used += ok;
      return outcome;
    }
    used += own;
    return {
      kind: 'failed',
      reason:
        `its answer (${ok} bytes of Ok data) would take the response past Lambda's ${maxBytes}-byte cap; ` +
        'kept with its data for a re-drive in a smaller batch',
    };
  });
}

/** A last guard: fitResponse keeps to the cap, so this throws only if Firehose sent more than Lambda allows back. */
export function assertResponseFits(records: readonly FirehoseTransformationResultRecord[], maxBytes: number): void {
  let bytes = 16;
  for (const record of records) bytes += record.recordId.length + (record.data?.length ?? 0) + ANSWER_OVERHEAD;
  if (bytes > maxBytes) {
    throw new BatchFailedError(
      `The response would be about ${bytes} bytes, over Lambda's ${maxBytes}-byte limit: ` +
        'lower the delivery stream processor buffer size (BufferSizeInMBs).',
    );
  }
}

/** A record's answer: Ok with its data, or its original data for Dropped and ProcessingFailed. */
export function answerFor(record: FirehoseTransformationEventRecord, outcome: RecordOutcome): FirehoseTransformationResultRecord {
  switch (outcome.kind) {
    case 'ok':
      return { recordId: record.recordId, result: 'Ok', data: outcome.data.toString('base64') };
    case 'dropped':
      return { recordId: record.recordId, result: 'Dropped', data: record.data };
    case 'failed':
      return { recordId: record.recordId, result: 'ProcessingFailed', data: record.data };
  }
}
