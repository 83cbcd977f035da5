import type { FirehoseTransformationEvent, FirehoseTransformationResult } from 'aws-lambda';

/**
 * What a user would notice about one batch, checked against what should have happened:
 * - every record ID answered exactly once, in order, each answer with data;
 * - a record expected Ok is Ok, and its answer is its receipt: one JSON line counting exactly its kept
 *   events, naming its Kinesis sequence number when it has one;
 * - a record expected to fail is ProcessingFailed with its original data, never Dropped;
 * - Dropped only for records with nothing to keep;
 * - the audit log holds every kept event of the batch exactly once (none lost, none twice).
 *
 * Returns the violations found (an empty list when all hold), so a test can show that each check fires.
 */
export interface Expectation {
  /** Per record, in order: the events that must be stored (as JSON lines, compared as parsed values), or 'fail'. */
  readonly records: ReadonlyArray<readonly string[] | 'fail'>;
}

export function batchViolations(
  event: FirehoseTransformationEvent,
  result: FirehoseTransformationResult | undefined,
  stored: readonly string[],
  expected: Expectation,
): string[] {
  const problems: string[] = [];
  const storedCounts = counts(stored.map(canonical));
  const expectedCounts = counts(expected.records.flatMap((lines) => (lines === 'fail' ? [] : lines.map(canonical))));
  if (result) {
    const ids = result.records.map((record) => record.recordId);
    const want = event.records.map((record) => record.recordId);
    if (ids.length !== want.length || ids.some((id, index) => id !== want[index])) {
      problems.push(`answered record IDs ${summary(ids)} instead of ${summary(want)}, once each and in order`);
    }
    result.records.forEach((answer, index) => {
      const input = event.records[index];
      const wanted = expected.records[index];
      if (!input || wanted === undefined) return;
      if (typeof answer.data !== 'string') problems.push(`record ${index} was answered without data`);
      if (wanted === 'fail') {
        if (answer.result !== 'ProcessingFailed') problems.push(`record ${index} should fail but was ${answer.result}`);
        else if (answer.data !== input.data) problems.push(`record ${index} failed without its original data`);
        return;
      }
      if (wanted.length === 0) {
        if (answer.result !== 'Dropped') problems.push(`record ${index} has nothing to keep but was ${answer.result}`);
        return;
      }
      if (answer.result !== 'Ok') {
        problems.push(`record ${index} should be Ok but was ${answer.result}`);
        return;
      }
      const receipt = receiptOf(answer.data);
      if (!receipt) {
        problems.push(`record ${index} was answered Ok with data that is not one JSON line`);
        return;
      }
      if (receipt.events !== wanted.length) {
        problems.push(`record ${index} was answered Ok with a receipt for ${String(receipt.events)} events, not its ${wanted.length} kept events`);
      }
      const sequence = input.kinesisRecordMetadata?.sequenceNumber;
      if (sequence !== undefined && receipt.sequenceNumber !== sequence) problems.push(`record ${index} was answered Ok with another record's sequence number`);
    });
  }
  // Without an answer (every attempt failed) nothing may be stored; with one, exactly the kept events.
  const mustStore = result ? expectedCounts : new Map<string, number>();
  for (const [line, count] of storedCounts) {
    const want = mustStore.get(line) ?? 0;
    if (count > want) problems.push(want === 0 ? `an event was stored that should not be (${count}×)` : `an event was stored ${count} times`);
  }
  for (const [line, count] of mustStore) {
    const got = storedCounts.get(line) ?? 0;
    if (got < count) problems.push(`an event was lost (stored ${got} of ${count} times)`);
  }
  return problems;
}

/** An Ok answer's receipt: one JSON object on one newline-terminated line, else undefined. */
function receiptOf(data: string | undefined): { readonly events?: unknown; readonly sequenceNumber?: unknown } | undefined {
  const text = Buffer.from(data ?? '', 'base64').toString('utf8');
  if (!/^\{[^\n]*\}\n$/.test(text)) return undefined;
  try {
    return JSON.parse(text) as { readonly events?: unknown; readonly sequenceNumber?: unknown };
  } catch {
    return undefined;
  }
}

/** A line compared as the value it encodes, so key order and spacing do not matter but every value does. */
function canonical(line: string): string {
  try {
    return JSON.stringify(sortKeys(JSON.parse(line)));
  } catch {
    return `<not JSON: ${line.length} characters>`;
  }
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort().map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]));
  }
  return value;
}

function counts(items: readonly string[]): Map<string, number> {
  const map = new Map<string, number>();
  for (const item of items) map.set(item, (map.get(item) ?? 0) + 1);
  return map;
}

function summary(ids: readonly string[]): string {
  return ids.length <= 3 ? JSON.stringify(ids) : `[${ids.length} IDs]`;
}
