import { gzipSync } from 'node:zlib';
import type { FirehoseTransformationEvent, FirehoseTransformationResult } from 'aws-lambda';
import { syntheticEvents } from '../../testkit/das/activity-events';
import {
  activityJson,
  envelopeJson,
  ENGINES,
  firehoseEvent,
  mintDasRecord,
  PROFILES,
  sealPayload,
  SIGNED_SUITE,
  UNSIGNED_SUITE,
} from '../../testkit/das/das-synth';
import { commandFolder } from '../../lambda/core/shared/partition';
import { capturingLogs } from '../support/logs';
import { invokeLocal, LocalAws, mintBatch, okReceipt, rawObjectText, startLocalAws, storedObjects } from '../support/local-aws';

const PG = PROFILES['aurora-postgresql'];
const withEnvelope = (event: Record<string, unknown>, profile = PG) => ({
  ...event,
  ...(profile.clusterId ? { clusterId: profile.clusterId } : {}),
  instanceId: profile.instanceId,
});

function expectOneAnswerPerRecord(event: FirehoseTransformationEvent, result: FirehoseTransformationResult): void {
  expect(result.records.map((record) => record.recordId)).toEqual(event.records.map((record) => record.recordId));
  for (const record of result.records) expect(typeof record.data).toBe('string');
}

let aws: LocalAws;
beforeEach(async () => {
  aws = await startLocalAws();
});
afterEach(() => aws.stop());

describe('handler, against a local KMS endpoint and S3 server', () => {
  it.each(ENGINES)('stores every %s event exactly once under its command, date and hour', async (engine) => {
    const profile = PROFILES[engine];
    const { event, events } = await mintBatch(aws, { engine, records: 5, eventsPerRecord: 8 });
    const { value: result } = await capturingLogs(() => invokeLocal(aws, event));

    expectOneAnswerPerRecord(event, result);
    expect(result.records.every((record) => record.result === 'Ok')).toBe(true);
    // Firehose's copy is a receipt per record: which Kinesis record, when it arrived, how many events were stored.
    result.records.forEach((record, index) => {
      const source = event.records[index]!;
      expect(okReceipt(record.data)).toEqual({
        sequenceNumber: source.kinesisRecordMetadata!.sequenceNumber,
        subsequenceNumber: 0,
        arrival: source.approximateArrivalTimestamp,
        events: events[index]!.length,
      });
    });

    const objects = await storedObjects(aws);
    const stored = objects.flatMap((object) => object.events.map((line) => ({ key: object.key, line })));
    const sorted = (lines: unknown[]) => lines.map((line) => JSON.stringify(line)).sort();
    expect(sorted(stored.map(({ line }) => line))).toEqual(sorted(events.flat().map((e) => withEnvelope(e, profile))));
    for (const { key, line } of stored) {
      const hour = String(line.logTime).slice(11, 13);
      expect(key).toMatch(
        new RegExp(`^events/command=${commandFolder(line.command)}/date=2026-11-21/hour=${hour}/${profile.resourceId}-[0-9a-f]{32}\\.jsonl\\.gz$`),
      );
    }
    for (const object of objects) {
      expect(object.contentType).toBe('application/x-ndjson');
      expect(object.contentEncoding).toBe('gzip');
    }
    expect(aws.kms.calls('Decrypt')).toBe(1);
  });

  it.each([
    ['unsigned', UNSIGNED_SUITE],
    ['signed', SIGNED_SUITE],
  ])('opens the %s suite for an engine that normally uses the other', async (_name, suite) => {
    const engine = suite === SIGNED_SUITE ? 'aurora-postgresql' : 'aurora-mysql';
    const profile = PROFILES[engine];
    const events = syntheticEvents(engine, 4);
    const record = await mintDasRecord({ engine, events, key: aws.dataKey(profile.resourceId), suite });
    const { value: result } = await capturingLogs(() =>
      invokeLocal(aws, firehoseEvent({ resourceId: profile.resourceId, records: [record] })),
    );
    expect(result.records[0]!.result).toBe('Ok');
    expect(okReceipt(result.records[0]!.data).events).toBe(4);
  });

  it('drops heartbeat-only and empty records, answering them with their data', async () => {
    const key = aws.dataKey(PG.resourceId);
    const heartbeats = syntheticEvents('aurora-postgresql', 6, { heartbeatShare: 1 });
    const records = [
      await mintDasRecord({ engine: 'aurora-postgresql', events: heartbeats, key }),
      await mintDasRecord({ engine: 'aurora-postgresql', events: [], key }),
    ];
    const event = firehoseEvent({ resourceId: PG.resourceId, records });
    const { value: result } = await capturingLogs(() => invokeLocal(aws, event));
    expectOneAnswerPerRecord(event, result);
    expect(result.records.map((r) => r.result)).toEqual(['Dropped', 'Dropped']);
    expect(result.records.map((r) => r.data)).toEqual(event.records.map((r) => r.data));
    expect(await storedObjects(aws)).toHaveLength(0);
  });

  it('fails each kind of bad record alone, keeping its data, while good records go through', async () => {
    const key = aws.dataKey(PG.resourceId);
    const good = () => mintDasRecord({ engine: 'aurora-postgresql', events: syntheticEvents('aurora-postgresql', 3), key });
    const sealed = async (plaintext: Buffer) =>
      envelopeJson('1.1', (await sealPayload(plaintext, key, UNSIGNED_SUITE, 4096)).toString('base64'), key.blob);
    const validMessage = JSON.parse(await good()) as { databaseActivityEvents: string };
    const tampered = Buffer.from(validMessage.databaseActivityEvents, 'base64');
    tampered[tampered.length - 40]! ^= 0xff;
    const truncated = Buffer.from(validMessage.databaseActivityEvents, 'base64').subarray(0, 300);
    const bomb = gzipSync(Buffer.alloc(80 * 1024 * 1024, 0x20)); // 80 MiB of spaces, about 80 KB gzipped
    const otherResourceKey = aws.dataKey('cluster-SOMEONEELSE');

    const cases: Array<[string, string | Buffer, string]> = [
      ['good', await good(), 'Ok'],
      ['not base64', '', 'not base64'],
      ['not JSON', 'SELECT secret FROM vault', 'record data is not JSON'],
      ['wrong envelope type', JSON.stringify({ type: 'Other', databaseActivityEvents: 'AAAA', key: key.blob }), 'envelope type is not'],
      ['missing field', JSON.stringify({ type: 'DatabaseActivityMonitoringRecords', key: key.blob }), 'no databaseActivityEvents'],
      ['KMS refusal', envelopeJson('1.1', validMessage.databaseActivityEvents, Buffer.from('garbage blob').toString('base64')), 'InvalidCiphertextException'],
      ['wrong encryption context', envelopeJson('1.1', validMessage.databaseActivityEvents, otherResourceKey.blob), 'InvalidCiphertextException'],
      ['tampered ciphertext', envelopeJson('1.1', tampered.toString('base64'), key.blob), 'could not be decrypted'],
      ['truncated ciphertext', envelopeJson('1.1', truncated.toString('base64'), key.blob), 'could not be decrypted'],
      ['plaintext not gzip', await sealed(Buffer.from(activityJson(PG, []))), 'not gzip'],
      ['gzip of non-JSON', await sealed(gzipSync('password=hunter2')), 'decrypted activity is not JSON'],
      ['no event list', await sealed(gzipSync(JSON.stringify({ type: 'DatabaseActivityMonitoringRecord' }))), 'no databaseActivityEventList'],
      ['decompression bomb', await sealed(bomb), 'exceeds'],
      ['good again', await good(), 'Ok'],
    ];
    const event = firehoseEvent({ resourceId: PG.resourceId, records: cases.map(([, payload]) => payload) });
    // "not base64": Firehose data that is not base64 at all.
    event.records[1]!.data = '%%% not base64 %%%';

    const { value: result, logs } = await capturingLogs(() => invokeLocal(aws, event));

    expectOneAnswerPerRecord(event, result);
    cases.forEach(([name, , expected], index) => {
      const answer = result.records[index]!;
      if (expected === 'Ok') {
        expect({ name, result: answer.result }).toEqual({ name, result: 'Ok' });
      } else {
        expect({ name, result: answer.result }).toEqual({ name, result: 'ProcessingFailed' });
        expect(answer.data).toBe(event.records[index]!.data);
        const line = logs.split('\n').find((l) => l.includes(event.records[index]!.recordId) && l.includes('record failed'));
        expect({ name, line }).toEqual({ name, line: expect.stringContaining(expected) });
      }
    });
    expect((await storedObjects(aws)).flatMap((o) => o.events)).toHaveLength(6);
    // Reasons and IDs only: no SQL, secrets or key material in the logs.
    for (const secret of ['SELECT secret', 'hunter2', 'select * from orders', key.blob, Buffer.from(key.plaintext).toString('base64')]) {
      expect(logs).not.toContain(secret);
    }
  });

  it('stores each event byte for byte as RDS wrote it, even values JavaScript numbers cannot hold', async () => {
    const key = aws.dataKey(PG.resourceId);
    const raw = [
      '{"logTime":"2026-11-21 12:00:00.000001+00","command":"SELECT","statementId":12345678901234567890,"rowCount":1.50,"commandText":"select \'\\u00e9\'","type":"record"}',
      '{"logTime":"2026-11-21 12:00:00.000002+00","command":"SELECT","statementId":2,"z":1,"a":2,"type":"record"}',
    ];
    const plaintext = `{"type":"DatabaseActivityMonitoringRecord","clusterId":"${PG.clusterId}","instanceId":"${PG.instanceId}","databaseActivityEventList":[${raw.join(',')}]}`;
    const message = await sealPayload(gzipSync(plaintext), key, UNSIGNED_SUITE, 4096);
    const event = firehoseEvent({ resourceId: PG.resourceId, records: [envelopeJson('1.1', message.toString('base64'), key.blob)] });
    const { value: result } = await capturingLogs(() => invokeLocal(aws, event));

    const suffix = `,"clusterId":"${PG.clusterId}","instanceId":"${PG.instanceId}"}`;
    const expected = raw.map((text) => `${text.slice(0, -1)}${suffix}`).join('\n') + '\n';
    expect(okReceipt(result.records[0]!.data).events).toBe(2);
    const [object] = await storedObjects(aws);
    const s3Text = await rawObjectText(aws, object!.key);
    expect(s3Text).toBe(expected);
  });

  it('files events with odd or missing commands under a clean folder or UNKNOWN', async () => {
    const base = syntheticEvents('aurora-postgresql', 1)[0]!;
    const events = [
      { ...base, command: 'CREATE TABLE' },
      { ...base, command: 'auth failure' },
      { ...base, command: '' },
      { ...base, command: null },
      { ...base, command: '../../etc' },
      (({ command: _omit, ...rest }) => rest)(base),
    ];
    const record = await mintDasRecord({ engine: 'aurora-postgresql', events, key: aws.dataKey(PG.resourceId) });
    await capturingLogs(() => invokeLocal(aws, firehoseEvent({ resourceId: PG.resourceId, records: [record] })));
    const folders = (await storedObjects(aws)).map((o) => [o.key.split('/')[1], o.events.length]);
    expect(Object.fromEntries(folders)).toEqual({
      'command=CREATE_TABLE': 1,
      'command=AUTH_FAILURE': 1,
      'command=ETC': 1,
      'command=UNKNOWN': 3,
    });
  });

  it('decrypts a large batch on one data key with one KMS call, and a warm invocation with none', async () => {
    const { event } = await mintBatch(aws, { engine: 'aurora-postgresql', records: 300, eventsPerRecord: 2 });
    const { event: second } = await mintBatch(aws, { engine: 'aurora-postgresql', records: 5, eventsPerRecord: 2, batch: 1 });
    // Same data key for both batches, as consecutive RDS records share one.
    second.records.forEach((record, index) => {
      const envelope = JSON.parse(Buffer.from(record.data, 'base64').toString()) as Record<string, string>;
      const first = JSON.parse(Buffer.from(event.records[index]!.data, 'base64').toString()) as Record<string, string>;
      record.data = Buffer.from(JSON.stringify({ ...envelope, key: first.key, databaseActivityEvents: first.databaseActivityEvents })).toString('base64');
    });
    const env = aws.env;
    const { createHandler } = await import('../../lambda/handler');
    const { withEnv } = await import('../support/local-aws');
    const handler = createHandler(env);
    const { value: results } = await capturingLogs(() => withEnv(env, async () => [await handler(event), await handler(second)]));
    expect(results[0]!.records.every((r) => r.result === 'Ok')).toBe(true);
    expect(results[1]!.records.every((r) => r.result === 'Ok')).toBe(true);
    expect(aws.kms.calls('Decrypt')).toBe(1);
  });

  it('keeps the response under 6 MB for a batch whose decrypted events are far larger', async () => {
    const key = aws.dataKey(PG.resourceId);
    const base = syntheticEvents('aurora-postgresql', 1)[0]!;
    // Realistic, compressible SQL: about 40 MB of events once decrypted, from a few MB of records.
    const records = await Promise.all(
      Array.from({ length: 40 }, (_, r) =>
        mintDasRecord({
          engine: 'aurora-postgresql',
          key,
          events: Array.from({ length: 500 }, (_, i) => ({
            ...base,
            statementId: r * 1000 + i,
            commandText: `insert into orders (id, customer, note) values (${r * 1000 + i}, 'customer-${i % 50}', '${'x'.repeat(1500)}')`,
          })),
        }),
      ),
    );
    const event = firehoseEvent({ resourceId: PG.resourceId, records });
    const requestBytes = JSON.stringify(event).length;
    const { value: result } = await capturingLogs(() => invokeLocal(aws, event));
    const responseBytes = JSON.stringify(result).length;
    const decryptedBytes = (await storedObjects(aws)).reduce((sum, object) => sum + object.events.reduce((s, l) => s + JSON.stringify(l).length + 1, 0), 0);

    expect(result.records.every((r) => r.result === 'Ok')).toBe(true);
    expect(decryptedBytes).toBeGreaterThan(6 * 1024 * 1024 * 4);
    expect(requestBytes).toBeLessThan(6 * 1024 * 1024);
    expect(responseBytes).toBeLessThan(6 * 1024 * 1024);
    expect(responseBytes).toBeLessThanOrEqual(requestBytes);
  });

  it('leaves the same objects and no duplicates when Firehose retries a batch', async () => {
    const { event } = await mintBatch(aws, { engine: 'aurora-mysql', records: 10, eventsPerRecord: 6 });
    await capturingLogs(() => invokeLocal(aws, event));
    const first = await storedObjects(aws);
    await capturingLogs(() => invokeLocal(aws, event));
    const second = await storedObjects(aws);
    expect(second).toEqual(first);
    expect(second.flatMap((o) => o.events)).toHaveLength(60);
  });

  it('applies the class, command and user filters and drops records left empty', async () => {
    const base = syntheticEvents('aurora-postgresql', 1)[0]!;
    const key = aws.dataKey(PG.resourceId);
    const records = await Promise.all([
      mintDasRecord({
        engine: 'aurora-postgresql',
        key,
        events: [
          { ...base, command: 'SELECT', class: 'READ', dbUserName: 'app' },
          { ...base, command: 'INSERT', class: 'WRITE', dbUserName: 'app' },
          { ...base, command: 'CONNECT', class: 'MISC', dbUserName: 'app' },
          { ...base, command: 'UPDATE', class: 'WRITE', dbUserName: 'RDSADMIN' },
        ],
      }),
      mintDasRecord({ engine: 'aurora-postgresql', key, events: [{ ...base, command: 'SELECT', class: 'READ' }] }),
    ]);
    const event = firehoseEvent({ resourceId: PG.resourceId, records });
    const { value: result } = await capturingLogs(() =>
      invokeLocal(aws, event, { DROP_CLASSES: 'read', DROP_COMMANDS: 'connect', DROP_USERS: 'rdsadmin' }),
    );
    expect(result.records.map((r) => r.result)).toEqual(['Ok', 'Dropped']);
    expect(okReceipt(result.records[0]!.data).events).toBe(1);
    expect((await storedObjects(aws)).flatMap((object) => object.events).map((e) => e.command)).toEqual(['INSERT']);
    expect((await storedObjects(aws)).map((o) => o.key.split('/')[1])).toEqual(['command=INSERT']);
  });

  it('throws when S3 refuses the writes, so that Firehose retries the batch', async () => {
    const { event } = await mintBatch(aws, { engine: 'aurora-postgresql', records: 2, eventsPerRecord: 2 });
    await expect(capturingLogs(() => invokeLocal(aws, event, { BUCKET_NAME: 'no-such-bucket' }))).rejects.toMatchObject({
      name: 'BatchFailedError',
      message: expect.stringContaining('NoSuchBucket'),
    });
  });

  it('absorbs KMS throttling without failing any record', async () => {
    const { event } = await mintBatch(aws, { engine: 'aurora-postgresql', records: 3, eventsPerRecord: 2 });
    aws.kms.failNext({ type: 'ThrottlingException' });
    const { value: result } = await capturingLogs(() => invokeLocal(aws, event));
    expect(result.records.map((r) => r.result)).toEqual(['Ok', 'Ok', 'Ok']);
  });

  it('attributes the batch by RESOURCE_ID when the event names no DAS stream, and says so when neither is there', async () => {
    const { event } = await mintBatch(aws, { engine: 'aurora-postgresql', records: 1, eventsPerRecord: 1 });
    delete (event as { sourceKinesisStreamArn?: string }).sourceKinesisStreamArn;
    await expect(capturingLogs(() => invokeLocal(aws, event))).rejects.toThrow('no resource ID is configured');
    const { value: result } = await capturingLogs(() => invokeLocal(aws, event, { RESOURCE_ID: PG.resourceId }));
    expect(result.records[0]!.result).toBe('Ok');
  });

  it('refuses a database that a per-resource KMS_KEY_ARN does not list, instead of decrypting it unpinned', async () => {
    const { event } = await mintBatch(aws, { engine: 'aurora-postgresql', records: 1, eventsPerRecord: 1 });
    const settings = { KMS_KEY_ARN: 'cluster-SOMEOTHERCLUSTER=arn:aws:kms:us-east-1:000000000000:key/00000000-0000-4000-8000-00000000da5f' };
    await expect(capturingLogs(() => invokeLocal(aws, event, settings))).rejects.toThrow(`none for ${PG.resourceId}`);
    expect(aws.kms.calls('Decrypt')).toBe(0);
  });

  it('fails a record whose data is not a string alone', async () => {
    const { event } = await mintBatch(aws, { engine: 'aurora-postgresql', records: 2, eventsPerRecord: 1 });
    (event.records[0] as { data: unknown }).data = null;
    const { value: result } = await capturingLogs(() => invokeLocal(aws, event));
    expect(result.records.map((r) => r.result)).toEqual(['ProcessingFailed', 'Ok']);
  });

  it('uses only the configured KMS key', async () => {
    const { event } = await mintBatch(aws, { engine: 'aurora-postgresql', records: 1, eventsPerRecord: 1 });
    const { value: result } = await capturingLogs(() =>
      invokeLocal(aws, event, { KMS_KEY_ARN: 'arn:aws:kms:us-east-1:000000000000:key/00000000-0000-4000-8000-000000000000' }),
    );
    expect(result.records[0]!.result).toBe('ProcessingFailed');
  });
});
