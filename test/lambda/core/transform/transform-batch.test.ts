import { gunzipSync, gzipSync } from 'node:zlib';
import type { FirehoseTransformationEvent } from 'aws-lambda';
import type { JournalEntry } from '../../../../lambda/core/shared/ports';
import type { BatchJournal, DataKey, DataKeyAnswer, DataKeyProvider, EventStore, PayloadDecrypter, StoredObject } from '../../../../lambda/core/transform/ports';
import { transformBatch, type TransformDeps } from '../../../../lambda/core/transform/transform-batch';
import { fitResponse } from '../../../../lambda/core/transform/response';
import type { RecordOutcome } from '../../../../lambda/core/transform/record-reader';
import type { TransformSettings } from '../../../../lambda/core/transform/settings';
import { firehoseEvent, PROFILES } from '../../../../testkit/das/das-synth';
import { syntheticEvents } from '../../../../testkit/das/activity-events';
import { ALL_RULES } from '../../../support/sample-alerts';

/**
 * transformBatch through in-memory ports, so that what the core decides (answers, order, budget,
 * response cap, journal, rollback) is tested apart from KMS, the Encryption SDK and S3. The decrypter
 * here takes the message for its plaintext (no cryptography), and the data-key provider answers from a
 * table after a delay each test sets: both stand-ins, named as such.
 */

const PG = PROFILES['aurora-postgresql'];
const settings: TransformSettings = {
  kmsKeys: { byResource: new Map() },
  dropFilters: { classes: new Set(), commands: new Set(), users: new Set() },
  maxDecompressedBytes: 64 * 1024 * 1024,
  maxEventsPerRecord: 100_000,
  maxBatchDecompressedBytes: 256 * 1024 * 1024,
};

class TableDataKeys implements DataKeyProvider {
  readonly delays = new Map<string, number>();
  readonly refused = new Set<string>();
  failWith?: Error;
  calls = 0;
  async dataKey(encryptedKey: string): Promise<DataKeyAnswer> {
    this.calls += 1;
    await new Promise((resolve) => setTimeout(resolve, this.delays.get(encryptedKey) ?? 0));
    if (this.failWith) throw this.failWith;
    if (this.refused.has(encryptedKey)) return { refused: 'KMS refused the data key: AccessDeniedException' };
    return { key: { id: encryptedKey, plaintext: new Uint8Array(32) } };
  }
}

/** A stand-in decrypter: the "message" is the gzipped plaintext itself. */
class PlaintextDecrypter implements PayloadDecrypter {
  throwFor?: (message: Uint8Array) => unknown;
  async decrypt(message: Uint8Array, _key: DataKey): Promise<Buffer> {
    const thrown = this.throwFor?.(message);
    if (thrown) throw thrown;
    return Buffer.from(message);
  }
}

class MemoryStore implements EventStore {
  readonly objects = new Map<string, StoredObject>();
  readonly order: string[] = [];
  failFolder?: string;
  async putAll(builders: ReadonlyArray<() => Promise<StoredObject>>): Promise<StoredObject[]> {
    const out: StoredObject[] = [];
    for (const build of builders) {
      const object = await build();
      this.order.push(`put ${object.key}`);
      if (this.failFolder && object.key.includes(this.failFolder)) throw Object.assign(new Error('Please reduce your request rate.'), { name: 'SlowDown' });
      this.objects.set(object.key, object);
      out.push(object);
    }
    return out;
  }
  async removeAll(keys: readonly string[]): Promise<string[]> {
    for (const key of keys) this.objects.delete(key);
    return [];
  }
  lines(): string[] {
    return [...this.objects.values()].flatMap((object) => gunzipSync(object.body).toString('utf8').split('\n').filter(Boolean));
  }
}

class MemoryJournal implements BatchJournal {
  readonly entries: JournalEntry[] = [];
  constructor(private readonly order: string[]) {}
  async write(entry: JournalEntry): Promise<void> {
    this.order.push(`journal ${entry.name}`);
    this.entries.push(entry);
  }
}

function deps(overrides: Partial<TransformDeps> = {}) {
  const store = new MemoryStore();
  const journal = new MemoryJournal(store.order);
  const dataKeys = new TableDataKeys();
  const decrypter = new PlaintextDecrypter();
  return { store, journal, dataKeys, decrypter, deps: { settings, dataKeys, decrypter, store, journal, ...overrides } as TransformDeps };
}

/** A record whose "message" is gzip of a payload, sealed under the given key blob (base64). */
function record(events: readonly Record<string, unknown>[], blob = 'AQID'): Buffer {
  const payload = { type: 'DatabaseActivityMonitoringRecord', clusterId: PG.clusterId, instanceId: PG.instanceId, databaseActivityEventList: events };
  const message = gzipSync(JSON.stringify(payload));
  return Buffer.from(JSON.stringify({ type: 'DatabaseActivityMonitoringRecords', version: '1.1', databaseActivityEvents: message.toString('base64'), key: blob }));
}

const batch = (records: Buffer[]): FirehoseTransformationEvent => firehoseEvent({ resourceId: PG.resourceId, records });

describe('transformBatch', () => {
  it.each([1, 3, 16, 64])('answers every record ID once, in order, at record concurrency %i', async (concurrency) => {
    const { deps: d, dataKeys } = deps({ recordConcurrency: concurrency });
    const blobs = ['AQID', 'AQIE', 'AQIF'];
    blobs.forEach((blob, index) => dataKeys.delays.set(blob, [15, 0, 5][index] as number));
    const records = Array.from({ length: 40 }, (_, index) =>
      index % 7 === 3 ? Buffer.from('not an envelope') : record(syntheticEvents('aurora-postgresql', 3, { seed: index }), blobs[index % 3]),
    );
    const event = batch(records);
    const { result } = await transformBatch(event, d);
    expect(result.records.map((answer) => answer.recordId)).toEqual(event.records.map((input) => input.recordId));
    expect(result.records.map((answer) => answer.result)).toEqual(records.map((_, index) => (index % 7 === 3 ? 'ProcessingFailed' : 'Ok')));
  });

  it('answers an empty batch with an empty list, without asking anything', async () => {
    const { deps: d, store, dataKeys } = deps();
    const event = { ...batch([]), sourceKinesisStreamArn: undefined } as unknown as FirehoseTransformationEvent;
    expect((await transformBatch(event, d)).result).toEqual({ records: [] });
    expect(dataKeys.calls + store.order.length).toBe(0);
  });

  it('rejects the batch, writing nothing, when KMS cannot answer (an outage, not a record error)', async () => {
    const { deps: d, store, dataKeys } = deps();
    dataKeys.failWith = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    await expect(transformBatch(batch([record(syntheticEvents('aurora-postgresql', 3))]), d)).rejects.toMatchObject({ name: 'ThrottlingException' });
    expect(store.order).toEqual([]);
  });

  // A stand-in decrypter that throws an unforeseen TypeError: no real part produces one on demand.
  it('fails a record alone when reading it throws an unforeseen error (stand-in decrypter throwing TypeError)', async () => {
    const { deps: d, decrypter } = deps();
    const poisoned = record(syntheticEvents('aurora-postgresql', 2, { seed: 9 }));
    const poisonedMessage = Buffer.from(JSON.parse(poisoned.toString()).databaseActivityEvents, 'base64');
    decrypter.throwFor = (message) => (Buffer.from(message).equals(poisonedMessage) ? new TypeError('cannot read x of undefined: SELECT secret') : undefined);
    const event = batch([record(syntheticEvents('aurora-postgresql', 2, { seed: 1 })), poisoned, record(syntheticEvents('aurora-postgresql', 2, { seed: 2 }))]);
    const { result, summary } = await transformBatch(event, d);
    expect(result.records.map((answer) => answer.result)).toEqual(['Ok', 'ProcessingFailed', 'Ok']);
    expect(summary.failures).toEqual([{ recordId: event.records[1]!.recordId, reason: 'unexpected TypeError while reading the record' }]);
  });

  it('spends the budget on the same records whatever order KMS answers in', async () => {
    const events = (seed: number) => syntheticEvents('aurora-postgresql', 20, { seed });
    const records = [record(events(1), 'AQID'), Buffer.from('{"not":"an envelope"}'), record(events(3), 'AQIE')];
    const answersWith = async (delays: [number, number]) => {
      const { deps: d, dataKeys } = deps({ settings: { ...settings, maxBatchDecompressedBytes: 20_000 } });
      dataKeys.delays.set('AQID', delays[0]);
      dataKeys.delays.set('AQIE', delays[1]);
      return (await transformBatch(batch(records), d)).result.records.map((answer) => answer.result);
    };
    expect(await answersWith([0, 40])).toEqual(['Ok', 'ProcessingFailed', 'ProcessingFailed']);
    expect(await answersWith([40, 0])).toEqual(['Ok', 'ProcessingFailed', 'ProcessingFailed']);
  });

  it('answers each Ok record with its receipt, so a batch whose events are far larger than the cap answers less than it asked', async () => {
    const { deps: d, store } = deps({ maxResponseBytes: 6_000 });
    // Empty events compress to almost nothing; with the cluster and instance IDs added to each, their
    // lines are many times the record: the answer no longer carries them.
    const records = Array.from({ length: 6 }, (_, index) => record(Array.from({ length: 3000 + index }, () => ({}))));
    const event = batch(records);
    const { result } = await transformBatch(event, d);
    expect(result.records.map((answer) => answer.result)).toEqual(Array(6).fill('Ok'));
    expect(Buffer.byteLength(JSON.stringify(result))).toBeLessThan(Buffer.byteLength(JSON.stringify(event)));
    result.records.forEach((answer, index) => {
      const source = event.records[index]!;
      expect(Buffer.from(answer.data!, 'base64').toString()).toBe(
        `${JSON.stringify({ sequenceNumber: source.kinesisRecordMetadata!.sequenceNumber, subsequenceNumber: 0, arrival: source.approximateArrivalTimestamp, events: 3000 + index })}\n`,
      );
    });
    expect(store.lines()).toHaveLength(Array.from({ length: 6 }, (_, index) => 3000 + index).reduce((sum, n) => sum + n, 0));
  });

  it('writes the receipt\'s subsequence number as a number when the event gives it as a string, and none without Kinesis metadata', async () => {
    const { deps: d } = deps();
    const event = batch([record(syntheticEvents('aurora-postgresql', 2, { seed: 1 })), record(syntheticEvents('aurora-postgresql', 2, { seed: 2 }))]);
    (event.records[0]!.kinesisRecordMetadata as unknown as { subsequenceNumber: string }).subsequenceNumber = '3';
    delete (event.records[1] as { kinesisRecordMetadata?: unknown }).kinesisRecordMetadata;
    const { result } = await transformBatch(event, d);
    const receipts = result.records.map((answer) => JSON.parse(Buffer.from(answer.data!, 'base64').toString()) as Record<string, unknown>);
    expect(receipts[0]).toMatchObject({ subsequenceNumber: 3, sequenceNumber: event.records[0]!.kinesisRecordMetadata!.sequenceNumber });
    expect(Object.keys(receipts[1]!)).toEqual(['arrival', 'events']);
  });

  it('keeps the response under the cap by failing, in order, the Ok answers that would pass it (fitResponse)', () => {
    const event = batch(Array.from({ length: 4 }, () => record([{}])));
    const bytes = (record: FirehoseTransformationEvent['records'][number]) => record.recordId.length + record.data.length + 64;
    const request = event.records.reduce((sum, item) => sum + bytes(item), 16);
    const ok = { kind: 'ok' as const, kept: { bytes: Buffer.alloc(0), ends: new Uint32Array(0), folders: [] as string[] }, counts: { events: 1, heartbeats: 0, filtered: 0 }, classes: new Map<string, number>(), alerts: [] };
    // Answers larger than their records: the first one fits, the rest would pass the cap.
    const big = Buffer.alloc(Math.ceil((event.records[0]!.data.length * 3) / 4) + 600);
    const outcomes: RecordOutcome[] = event.records.map(() => ({ ...ok, data: big }));
    const answered = fitResponse(event.records, outcomes, request + 1000);
    expect(answered.map((outcome) => outcome.kind)).toEqual(['ok', 'failed', 'failed', 'failed']);
    expect((answered[1] as { reason: string }).reason).toMatch(/past Lambda's \d+-byte cap; kept with its data for a re-drive/);
  });

  it('writes the journal entry before any object, naming every record by ID and data digest', async () => {
    const { deps: d, store, journal } = deps();
    const event = batch([record(syntheticEvents('aurora-postgresql', 5, { seed: 4 })), record(syntheticEvents('aurora-postgresql', 5, { seed: 5 }))]);
    await transformBatch(event, d);
    expect(store.order[0]).toMatch(/^journal /);
    expect(store.order.slice(1).every((step) => step.startsWith('put '))).toBe(true);
    expect(journal.entries[0]!.records.map((item) => item.recordId)).toEqual(event.records.map((item) => item.recordId));
    expect(journal.entries[0]!.records.every((item) => /^[0-9a-f]{64}$/.test(item.sha256))).toBe(true);
  });

  it('lets the journal entry\'s write get going (a turn of the event loop) while the later records are still read', async () => {
    const { deps: d, journal, decrypter } = deps({ recordConcurrency: 1 });
    let turned = false;
    const write = journal.write.bind(journal);
    // A real write is a request whose bytes go out only when the loop gets a turn, as this callback does.
    journal.write = async (entry) => {
      setImmediate(() => (turned = true));
      return write(entry);
    };
    const seen: boolean[] = [];
    decrypter.throwFor = () => void seen.push(turned);
    await transformBatch(batch(Array.from({ length: 4 }, (_, index) => record(syntheticEvents('aurora-postgresql', 2, { seed: index })))), d);
    expect(seen).toEqual([false, true, true, true]);
  });

  it('lets the first data key\'s KMS request get going (a turn of the event loop) before reading the other envelopes', async () => {
    const { deps: d, dataKeys } = deps();
    let turned = false;
    const seen: boolean[] = [];
    const ask = dataKeys.dataKey.bind(dataKeys);
    dataKeys.dataKey = (encryptedKey: string) => {
      seen.push(turned);
      setImmediate(() => (turned = true));
      return ask(encryptedKey);
    };
    await transformBatch(batch(['AQID', 'AQID', 'AQIE'].map((blob, index) => record(syntheticEvents('aurora-postgresql', 2, { seed: index }), blob))), d);
    expect(seen).toEqual([false, true]);
  });

  it('writes no journal entry for a batch with nothing to store', async () => {
    const { deps: d, store } = deps();
    await transformBatch(batch([record(syntheticEvents('aurora-postgresql', 5, { heartbeatShare: 1 }))]), d);
    expect(store.order).toEqual([]);
  });

  it('removes what it wrote when a write fails, and says so', async () => {
    const { deps: d, store } = deps();
    store.failFolder = 'command=UPDATE/';
    const event = batch(Array.from({ length: 4 }, (_, index) => record(syntheticEvents('aurora-postgresql', 10, { seed: index }))));
    await expect(transformBatch(event, d)).rejects.toMatchObject({ name: 'BatchFailedError', message: expect.stringMatching(/SlowDown.*removed again, 0 left/) });
    expect(store.objects.size).toBe(0);
  });

  describe('with alerts', () => {
    /** The outbox writer in memory: what was written, and when. */
    const outboxOf = (order: string[]) => {
      const written = new Map<string, { objects?: string[]; alerts: unknown[] }>();
      return { written, put: async (key: string, body: string) => void (order.push(`outbox ${key}`), written.set(key, JSON.parse(body))) };
    };
    const alerting = () => batch(Array.from({ length: 4 }, (_, index) => record(syntheticEvents('aurora-postgresql', 40, { seed: index }))));

    it('writes the outbox object while the event objects are still being written, naming every one', async () => {
      const { deps: d, store } = deps({ settings: { ...settings, alertRules: ALL_RULES } });
      const outbox = outboxOf(store.order);
      // The event objects' writes are held until the outbox object has been written.
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      const putAll = store.putAll.bind(store);
      store.putAll = async (builders) => {
        await held;
        return putAll(builders);
      };
      const written = transformBatch(alerting(), { ...d, alerts: { put: async (key, body) => (await outbox.put(key, body), release()) } });
      const { summary } = await written;
      expect(summary.alerts).toBeGreaterThan(0);
      const firstEventPut = store.order.findIndex((entry) => entry.startsWith('put '));
      const outboxPut = store.order.findIndex((entry) => entry.startsWith('outbox '));
      expect(outboxPut).toBeGreaterThan(0);
      expect(outboxPut).toBeLessThan(firstEventPut);
      const [document] = [...outbox.written.values()];
      expect([...(document?.objects ?? [])].sort()).toEqual([...store.objects.keys()].sort());
    }, 10_000);

    it('removes the outbox object with the event objects when an event object cannot be written', async () => {
      const { deps: d, store } = deps({ settings: { ...settings, alertRules: ALL_RULES } });
      const outbox = outboxOf(store.order);
      const removed: string[] = [];
      const removeAll = store.removeAll.bind(store);
      store.removeAll = async (keys) => (removed.push(...keys), removeAll(keys));
      store.failFolder = 'command=UPDATE/';
      await expect(transformBatch(alerting(), { ...d, alerts: outbox })).rejects.toMatchObject({ name: 'BatchFailedError' });
      const [key] = [...outbox.written.keys()];
      expect(key).toMatch(/^alerts\/pending\//);
      expect(removed).toContain(key);
    });
  });
});
