import { gzipSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import type { FirehoseTransformationEvent, FirehoseTransformationResult } from 'aws-lambda';
import { createHandler } from '../../lambda/handler';
import { syntheticEvents } from '../../testkit/das/activity-events';
import { envelopeJson, firehoseEvent, mintDasRecord, PROFILES, sealPayload, UNSIGNED_SUITE, type Engine, type MintKey } from '../../testkit/das/das-synth';
import { DEV_KMS_KEY_ARN } from '../../testkit/aws/dev-key';
import { batchViolations, type Expectation } from '../../testkit/fuzz/invariants';
import { capturingLogs, LOGGED } from '../support/logs';
import { LocalAws, startLocalAws, storedLines, withEnv } from '../support/local-aws';

const PG = PROFILES['aurora-postgresql'];
const OTHER_KEY_ARN = 'arn:aws:kms:us-east-1:000000000000:key/22222222-2222-4222-8222-222222222222';

/** The stored line of an event: its fields plus the payload's clusterId and instanceId. */
const lineOf = (event: Record<string, unknown>, engine: Engine = 'aurora-postgresql'): string =>
  JSON.stringify({ ...event, ...(PROFILES[engine].clusterId ? { clusterId: PROFILES[engine].clusterId } : {}), instanceId: PROFILES[engine].instanceId });

/** A Firehose event of good records (ten events each, across several commands) and what each must store. */
async function goodBatch(aws: LocalAws, records = 6, key: MintKey = aws.dataKey(PG.resourceId)) {
  const events = Array.from({ length: records }, (_, index) =>
    syntheticEvents('aurora-postgresql', 10, { seed: 100 + index, start: Date.UTC(2026, 10, 21, 12, 0, index) }),
  );
  const payloads = await Promise.all(events.map((list) => mintDasRecord({ engine: 'aurora-postgresql', events: list, key })));
  const event = firehoseEvent({ resourceId: PG.resourceId, records: payloads });
  const expected: Expectation = { records: events.map((list) => list.map((item) => lineOf(item))) };
  return { event, expected, events };
}

interface Attempts {
  readonly result?: FirehoseTransformationResult;
  readonly errors: Error[];
  /** The handler's log lines, every attempt. */
  readonly logs: string[];
}

/**
 * What Firehose does with a transformer: invoke it with the batch, and on a thrown error or timeout
 * invoke it again with the same batch, up to `attempts` times in all (1 + 3 retries by default).
 */
async function firehoseInvokes(
  aws: LocalAws,
  event: FirehoseTransformationEvent,
  options: { env?: Record<string, string>; settings?: Record<string, string>; attempts?: number; remainingMs?: number; between?: (attempt: number) => void | Promise<void> } = {},
): Promise<Attempts> {
  // Logged: the attempts' log lines are part of what these tests read.
  const env = { ...(options.env ?? aws.env), ...LOGGED, ...options.settings };
  const handler = await withEnv(env, async () => createHandler(env));
  const errors: Error[] = [];
  const logs: string[] = [];
  for (let attempt = 1; attempt <= (options.attempts ?? 4); attempt++) {
    const context = options.remainingMs ? { getRemainingTimeInMillis: () => options.remainingMs as number } : undefined;
    const { value, logs: text } = await capturingLogs(() =>
      withEnv(env, () => handler(event, context)).then(
        (result) => ({ result }),
        (error: unknown) => ({ error: error as Error }),
      ),
    );
    logs.push(...text.split('\n').filter(Boolean));
    if ('result' in value) return { result: value.result, errors, logs };
    errors.push(value.error);
    await options.between?.(attempt);
  }
  return { errors, logs };
}

async function expectExactlyOnce(aws: LocalAws, event: FirehoseTransformationEvent, attempts: Attempts, expected: Expectation) {
  expect(batchViolations(event, attempts.result, await storedLines(aws), expected)).toEqual([]);
}

describe('the invariant checks', () => {
  // Each check must be able to fail, or a test built on it proves nothing.
  it('report a lost event, a duplicate, a stray event, a misanswer, a lost ID and failed data that changed', () => {
    const event = firehoseEvent({ resourceId: PG.resourceId, records: ['a', 'b'] });
    const expected: Expectation = { records: [['{"n":1}', '{"n":2}'], 'fail'] };
    const receipt = (fields: Record<string, unknown>) => Buffer.from(`${JSON.stringify(fields)}\n`).toString('base64');
    const sequenceNumber = event.records[0]!.kinesisRecordMetadata!.sequenceNumber;
    const okData = receipt({ sequenceNumber, subsequenceNumber: 0, arrival: 1, events: 2 });
    const result: FirehoseTransformationResult = {
      records: [
        { recordId: event.records[0]!.recordId, result: 'Ok', data: okData },
        { recordId: event.records[1]!.recordId, result: 'ProcessingFailed', data: event.records[1]!.data },
      ],
    };
    expect(batchViolations(event, result, ['{"n":1}', '{"n":2}'], expected)).toEqual([]);
    expect(batchViolations(event, result, ['{"n":1}'], expected)).toEqual(['an event was lost (stored 0 of 1 times)']);
    expect(batchViolations(event, result, ['{"n":1}', '{"n":2}', '{"n":2}'], expected)).toEqual(['an event was stored 2 times']);
    expect(batchViolations(event, result, ['{"n":1}', '{"n":2}', '{"n":3}'], expected)).toEqual(['an event was stored that should not be (1×)']);
    const dropped = { records: [result.records[0]!, { ...result.records[1]!, result: 'Dropped' as const }] };
    expect(batchViolations(event, dropped, ['{"n":1}', '{"n":2}'], expected)).toEqual(['record 1 should fail but was Dropped']);
    const changed = { records: [result.records[0]!, { ...result.records[1]!, data: 'Yw==' }] };
    expect(batchViolations(event, changed, ['{"n":1}', '{"n":2}'], expected)).toEqual(['record 1 failed without its original data']);
    const missing = { records: [result.records[0]!] };
    expect(batchViolations(event, missing, ['{"n":1}', '{"n":2}'], expected)[0]).toMatch(/^answered record IDs/);
    expect(batchViolations(event, undefined, ['{"n":1}'], expected)).toEqual(['an event was stored that should not be (1×)']);
    const answered = (data: string) => ({ records: [{ ...result.records[0]!, data }, result.records[1]!] });
    const stored = ['{"n":1}', '{"n":2}'];
    expect(batchViolations(event, answered(receipt({ sequenceNumber, arrival: 1, events: 1 })), stored, expected)).toEqual([
      'record 0 was answered Ok with a receipt for 1 events, not its 2 kept events',
    ]);
    expect(batchViolations(event, answered(receipt({ sequenceNumber: 'other', arrival: 1, events: 2 })), stored, expected)).toEqual([
      "record 0 was answered Ok with another record's sequence number",
    ]);
    expect(batchViolations(event, answered(gzipSync('{"events":2}\n').toString('base64')), stored, expected)).toEqual([
      'record 0 was answered Ok with data that is not one JSON line',
    ]);
  });
});

describe('S3 faults, with Firehose retrying the batch', () => {
  let aws: LocalAws;
  beforeEach(async () => {
    aws = await startLocalAws({ s3Faults: true });
  });
  afterEach(() => aws.stop());

  it('absorbs 500 InternalError on two PUTs within the first attempt', async () => {
    const { event, expected } = await goodBatch(aws);
    aws.s3Proxy!.inject({ kind: 'internal-error', method: 'PUT', pathIncludes: '/events/', times: 2 });
    const attempts = await firehoseInvokes(aws, event);
    expect(attempts.errors).toEqual([]);
    expect(aws.s3Proxy!.faultsApplied()['internal-error']).toBe(2);
    await expectExactlyOnce(aws, event, attempts, expected);
  });

  it('absorbs connection resets before the write', async () => {
    const { event, expected } = await goodBatch(aws);
    aws.s3Proxy!.inject({ kind: 'reset-before', method: 'PUT', times: 2 });
    const attempts = await firehoseInvokes(aws, event);
    expect(attempts.errors).toEqual([]);
    await expectExactlyOnce(aws, event, attempts, expected);
  });

  it('stores an event once when the connection is reset after S3 wrote it (the retry overwrites)', async () => {
    const { event, expected } = await goodBatch(aws);
    aws.s3Proxy!.inject({ kind: 'reset-after', method: 'PUT', pathIncludes: '/events/', times: 3 });
    const attempts = await firehoseInvokes(aws, event);
    expect(aws.s3Proxy!.faultsApplied()['reset-after']).toBe(3);
    await expectExactlyOnce(aws, event, attempts, expected);
  });

  it('abandons a PUT that never answers after SDK_REQUEST_TIMEOUT_MS and retries it within the invocation', async () => {
    const { event, expected } = await goodBatch(aws);
    aws.s3Proxy!.inject({ kind: 'hang', method: 'PUT', pathIncludes: '/events/', times: 1 });
    const attempts = await firehoseInvokes(aws, event, { settings: { SDK_REQUEST_TIMEOUT_MS: '300' } });
    expect(attempts.errors).toEqual([]);
    expect(aws.s3Proxy!.faultsApplied().hang).toBe(1);
    await expectExactlyOnce(aws, event, attempts, expected);
  });

  it('when one command folder answers 503 SlowDown to every attempt: nothing answered Ok, nothing left behind', async () => {
    const { event, expected } = await goodBatch(aws);
    aws.s3Proxy!.inject({ kind: 'slow-down', method: 'PUT', pathIncludes: 'command=UPDATE/' });
    const attempts = await firehoseInvokes(aws, event);
    expect(attempts.result).toBeUndefined();
    expect(attempts.errors).toHaveLength(4);
    expect(attempts.errors[0]).toMatchObject({ name: 'BatchFailedError', message: expect.stringContaining('SlowDown') });
    expect(attempts.errors[0]!.message).toMatch(/\d+ removed again, 0 left for the retry to overwrite/);
    // Other folders were written by each attempt and removed again.
    expect(aws.s3Proxy!.traffic().requests.DELETE).toBeGreaterThan(0);
    await expectExactlyOnce(aws, event, attempts, expected);
  });

  it('when S3 recovers after two failed attempts, the third stores every event exactly once', async () => {
    const { event, expected } = await goodBatch(aws);
    aws.s3Proxy!.inject({ kind: 'slow-down', method: 'PUT', pathIncludes: 'command=UPDATE/' });
    const attempts = await firehoseInvokes(aws, event, { between: (attempt) => (attempt === 2 ? aws.s3Proxy!.heal() : undefined) });
    expect(attempts.errors).toHaveLength(2);
    await expectExactlyOnce(aws, event, attempts, expected);
  });

  it('when the rollback fails too, the leftovers are overwritten by the attempt that succeeds, not stored twice', async () => {
    const { event, expected } = await goodBatch(aws);
    aws.s3Proxy!.inject({ kind: 'slow-down', method: 'PUT', pathIncludes: 'command=UPDATE/' });
    aws.s3Proxy!.inject({ kind: 'internal-error', method: 'DELETE' });
    const attempts = await firehoseInvokes(aws, event, { between: () => aws.s3Proxy!.heal() });
    expect(attempts.errors).toHaveLength(1);
    expect(attempts.errors[0]!.message).toMatch(/0 removed again, [1-9]\d* left for the retry to overwrite/);
    await expectExactlyOnce(aws, event, attempts, expected);
  });

  it('writes nothing when the journal entry cannot be written', async () => {
    const { event, expected } = await goodBatch(aws);
    aws.s3Proxy!.inject({ kind: 'slow-down', method: 'PUT', pathIncludes: '/journal/' });
    const attempts = await firehoseInvokes(aws, event, { attempts: 2 });
    expect(attempts.errors).toHaveLength(2);
    expect(aws.s3Proxy!.traffic().requests.DELETE ?? 0).toBe(0);
    await expectExactlyOnce(aws, event, attempts, expected);
  });

  it('stops before the function would time out when S3 hangs, removes what it wrote, and says so', async () => {
    const { event, expected } = await goodBatch(aws);
    aws.s3Proxy!.inject({ kind: 'hang', method: 'PUT', pathIncludes: 'command=UPDATE/' });
    const started = Date.now();
    const attempts = await firehoseInvokes(aws, event, { attempts: 1, remainingMs: 3_000 });
    // The deadline keeps a fifth of the remaining time for the rollback: well before Lambda would kill it.
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(attempts.errors[0]).toMatchObject({ name: 'BatchFailedError', message: expect.stringContaining('about to time out') });
    await expectExactlyOnce(aws, event, attempts, expected);
  });
});

describe('KMS faults, with Firehose retrying the batch', () => {
  let aws: LocalAws;
  beforeEach(async () => {
    aws = await startLocalAws({ keys: new Map([[DEV_KMS_KEY_ARN, randomBytes(32)], [OTHER_KEY_ARN, randomBytes(32)]]) });
  });
  afterEach(() => aws.stop());

  it('absorbs throttling within the first attempt', async () => {
    const { event, expected } = await goodBatch(aws);
    aws.kms.failNext({ type: 'ThrottlingException' }, { type: 'ThrottlingException' });
    const attempts = await firehoseInvokes(aws, event);
    expect(attempts.errors).toEqual([]);
    await expectExactlyOnce(aws, event, attempts, expected);
  });

  it('fails only the records of a data key KMS denies (AccessDenied on one of two keys)', async () => {
    const allowed = await goodBatch(aws, 3);
    const denied = await goodBatch(aws, 3, aws.dataKey(PG.resourceId, OTHER_KEY_ARN));
    aws.kms.deniedKeys.add(OTHER_KEY_ARN);
    const payloads = [...allowed.event.records, ...denied.event.records].map((record) => Buffer.from(record.data, 'base64'));
    const event = firehoseEvent({ resourceId: PG.resourceId, records: payloads });
    const attempts = await firehoseInvokes(aws, event);
    expect(attempts.errors).toEqual([]);
    await expectExactlyOnce(aws, event, attempts, { records: [...allowed.expected.records, 'fail', 'fail', 'fail'] });
  });

  it('fails the batch while the KMS endpoint is down and stores it once when it is back', async () => {
    const { event, expected } = await goodBatch(aws);
    const env = aws.env;
    const port = Number(new URL(aws.kms.endpoint).port);
    await aws.kms.stop();
    const attempts = await firehoseInvokes(aws, event, { env, between: () => aws.kms.start(port).then(() => undefined) });
    expect(attempts.errors).toHaveLength(1);
    expect(attempts.errors[0]!.message).toMatch(/ECONNREFUSED|connect/);
    await expectExactlyOnce(aws, event, attempts, expected);
  });
});

describe('records that once took a batch down now fail alone', () => {
  let aws: LocalAws;
  beforeEach(async () => {
    aws = await startLocalAws();
  });
  afterEach(() => aws.stop());

  /** A record whose decrypted payload is exactly `json`, sealed the way RDS seals records. */
  async function sealedJson(key: MintKey, json: string | Buffer): Promise<string> {
    const message = await sealPayload(gzipSync(json, { level: 9 }), key, UNSIGNED_SUITE, 4096);
    return envelopeJson('1.1', message.toString('base64'), key.blob);
  }

  async function withBadRecord(bad: string) {
    const key = aws.dataKey(PG.resourceId);
    const good = await goodBatch(aws, 2, key);
    const payloads = [...good.event.records.map((record) => Buffer.from(record.data, 'base64')), Buffer.from(bad)];
    const event = firehoseEvent({ resourceId: PG.resourceId, records: payloads });
    const attempts = await firehoseInvokes(aws, event, { attempts: 1 });
    expect(attempts.errors).toEqual([]);
    await expectExactlyOnce(aws, event, attempts, { records: [...good.expected.records, 'fail'] });
    const failure = attempts.logs.map((line) => JSON.parse(line) as Record<string, unknown>).find((line) => line.message === 'record failed');
    return { answer: attempts.result!.records[2]!, reason: failure?.reason };
  }

  it('the poison record: an event with a line break and 5,000 levels of nesting', async () => {
    const key = aws.dataKey(PG.resourceId);
    const poison = `{"type":"DatabaseActivityMonitoringRecord","databaseActivityEventList":[{"type":"record",\n"x":${'['.repeat(5000)}${']'.repeat(5000)}}]}`;
    expect(await withBadRecord(await sealedJson(key, poison))).toMatchObject({
      answer: { result: 'ProcessingFailed' },
      reason: 'decrypted activity nests deeper than 64 levels (at character 155)',
    });
  });

  it('the tiny-events record: 64 KiB of gzip that expands to nearly 64 MiB of empty events', async () => {
    const key = aws.dataKey(PG.resourceId);
    const count = Math.floor((64 * 1024 * 1024 - 200) / 3);
    const json = Buffer.concat([
      Buffer.from('{"type":"DatabaseActivityMonitoringRecord","databaseActivityEventList":['),
      Buffer.alloc(count * 3 - 1, '{},'),
      Buffer.from(']}'),
    ]);
    const record = await sealedJson(key, json);
    expect(Buffer.from(JSON.parse(record).databaseActivityEvents, 'base64').length).toBeLessThan(128 * 1024);
    const rssBefore = process.memoryUsage.rss();
    expect(await withBadRecord(record)).toMatchObject({
      answer: { result: 'ProcessingFailed' },
      reason: 'databaseActivityEventList holds more than 100000 events',
    });
    // It fails at the event cap, long before 22 million events are held.
    expect(process.memoryUsage.rss() - rssBefore).toBeLessThan(512 * 1024 * 1024);
  });

  it('the duplicate-list record: a second, empty databaseActivityEventList is not read as "nothing to keep"', async () => {
    const key = aws.dataKey(PG.resourceId);
    const first = syntheticEvents('aurora-postgresql', 3).map((item) => JSON.stringify(item)).join(',');
    const twice = `{"type":"DatabaseActivityMonitoringRecord","databaseActivityEventList":[${first}],"databaseActivityEventList":[]}`;
    expect(await withBadRecord(await sealedJson(key, twice))).toMatchObject({
      answer: { result: 'ProcessingFailed' },
      reason: expect.stringMatching(/^decrypted activity repeats a name within one object \(at character \d+\), so it could be read two ways$/),
    });
  });

  it.each([
    ['a repeated field in an event', '{"databaseActivityEventList":[{"command":"DROP TABLE","command":"SELECT"}]}', 'decrypted activity repeats a name'],
    ['a repeated key in the envelope', 'envelope', 'record data repeats a name within one object'],
    ['invalid UTF-8 in the payload', Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]), 'decrypted activity is not UTF-8 text'],
    ['a byte-order mark', '\ufeff{"databaseActivityEventList":[]}', 'decrypted activity is not JSON: expected an object (at character 0)'],
    ['trailing text after the payload', '{"databaseActivityEventList":[]} {}', 'text continues after the JSON value'],
  ])('%s', async (_name, json, reason) => {
    const key = aws.dataKey(PG.resourceId);
    let record: string;
    if (json === 'envelope') {
      const good = JSON.parse(await sealedJson(key, '{"databaseActivityEventList":[]}')) as Record<string, string>;
      const other = JSON.parse(await sealedJson(aws.dataKey(PG.resourceId), '{"databaseActivityEventList":[]}')) as Record<string, string>;
      record = `{"type":"DatabaseActivityMonitoringRecords","version":"1.1","databaseActivityEvents":"${good.databaseActivityEvents}","key":"${good.key}","key":"${other.key}"}`;
    } else {
      record = await sealedJson(key, json);
    }
    expect(await withBadRecord(record)).toMatchObject({ answer: { result: 'ProcessingFailed' }, reason: expect.stringContaining(reason) });
  });

  it('fails records past the batch budget alone, keeping those read before it', async () => {
    const key = aws.dataKey(PG.resourceId);
    const { event, expected } = await goodBatch(aws, 6, key);
    const attempts = await firehoseInvokes(aws, event, { settings: { MAX_BATCH_DECOMPRESSED_BYTES: '20000', S3_CONCURRENCY: '1' }, attempts: 1 });
    const results = attempts.result!.records.map((record) => record.result);
    expect(results.filter((result) => result === 'Ok').length).toBeGreaterThan(0);
    expect(results.filter((result) => result === 'ProcessingFailed').length).toBeGreaterThan(0);
    await expectExactlyOnce(aws, event, attempts, {
      records: expected.records.map((lines, index) => (results[index] === 'Ok' ? lines : 'fail')),
    });
  });
});
