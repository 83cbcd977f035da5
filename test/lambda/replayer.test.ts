import { DisableKeyCommand, EnableKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { FirehoseTransformationEvent } from 'aws-lambda';
import { gunzipSync } from 'node:zlib';
import { PROCESSING_FAILED_STATUS } from '../../lambda/core/replay/error-output';
import type { ReplayOptions, ReplayReport } from '../../lambda/core/replay/replay';
import { createReplayer } from '../../lambda/replayer';
import { createTransformer } from '../../lambda/transformer';
import { listObjects } from '../../local/audit-log/reader';
import { DEV_KMS_KEY_ARN } from '../../testkit/aws/dev-key';
import { runLikeFirehose } from '../../testkit/aws/firehose-delivery';
import { PROFILES } from '../../testkit/das/das-synth';
import { quietly } from '../support/logs';
import { LocalAws, mintBatch, s3ClientFor, startLocalAws, storedLines, withEnv } from '../support/local-aws';

/**
 * The re-drive end to end on loopback: the shipped transformer and replayer on a real S3-compatible
 * server and the local KMS endpoint, the error output written the way Firehose documents it (by the
 * local Firehose emulation), faults made by the KMS endpoint (a disabled key) and by a proxy in front of
 * S3 (writes and rollbacks failing), then fixed, then replayed.
 */

const RESOURCE = PROFILES['aurora-postgresql'].resourceId;

let aws: LocalAws;
let s3: S3Client;

beforeEach(async () => {
  aws = await startLocalAws({ s3Faults: true });
  s3 = s3ClientFor(aws);
});
afterEach(async () => {
  s3.destroy();
  await aws.stop();
});

/** What Firehose does with a batch: the transformer (retried), then firehose/ok/ and firehose/failed/. Firehose's own writes bypass the fault proxy. */
async function throughFirehose(event: FirehoseTransformationEvent) {
  const transformer = await withEnv(aws.env, async () => createTransformer(aws.env));
  return quietly(() => runLikeFirehose({ s3, bucket: aws.bucket, resourceId: RESOURCE }, event, () => withEnv(aws.env, () => transformer.transform(event))));
}

async function replay(options: ReplayOptions = {}): Promise<ReplayReport> {
  return quietly(() => withEnv(aws.env, () => createReplayer(aws.env).run(options)));
}

async function keys(prefix: string): Promise<string[]> {
  return (await listObjects(s3, aws.bucket, prefix)).map((object) => object.key).sort();
}

async function text(key: string): Promise<string> {
  const object = await s3.send(new GetObjectCommand({ Bucket: aws.bucket, Key: key }));
  return Buffer.from(await object.Body!.transformToByteArray()).toString('utf8');
}

/** Every event the batch holds is stored exactly once under events/ (and nothing else is). */
async function expectEachEventOnce(expected: Record<string, unknown>[][]): Promise<void> {
  const wanted = expected.flat().filter((event) => event.type !== 'heartbeat').map((event) => `${event.logTime}|${event.statementId}|${event.command}`);
  const stored = (await storedLines(aws)).map((line) => JSON.parse(line) as Record<string, unknown>).map((event) => `${event.logTime}|${event.statementId}|${event.command}`);
  expect(stored.sort()).toEqual(wanted.sort());
}

/** The receipts of Firehose's copy: one JSON line per Ok record, each object one gzip stream. */
async function okCopyReceipts(): Promise<Array<Record<string, unknown>>> {
  const receipts: Array<Record<string, unknown>> = [];
  for (const key of await keys('firehose/ok/')) {
    const body = await s3.send(new GetObjectCommand({ Bucket: aws.bucket, Key: key }));
    const textOf = gunzipSync(Buffer.from(await body.Body!.transformToByteArray())).toString('utf8');
    for (const line of textOf.split('\n').filter(Boolean)) receipts.push(JSON.parse(line) as Record<string, unknown>);
  }
  return receipts;
}

describe('npm run replay, end to end on loopback', () => {
  it('re-drives records KMS refused (a disabled key) once the key is enabled: each event stored once, the error output retired, a second run changes nothing', async () => {
    const { event, events } = await mintBatch(aws, { engine: 'aurora-postgresql', records: 3, eventsPerRecord: 5 });
    const kms = new KMSClient({ endpoint: aws.kms.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    await kms.send(new DisableKeyCommand({ KeyId: DEV_KMS_KEY_ARN }));

    const run = await throughFirehose(event);
    expect(run.answer?.result.records.map((record) => record.result)).toEqual(['ProcessingFailed', 'ProcessingFailed', 'ProcessingFailed']);
    expect(await keys('events/')).toEqual([]);
    const [errorKey] = await keys('firehose/failed/');
    expect(errorKey).toMatch(new RegExp(`^firehose/failed/resource=${RESOURCE}/type=processing-failed/date=2026-11-21/hour=12/`));
    const errorLines = (await text(errorKey as string)).trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(errorLines).toEqual(
      event.records.map((record) =>
        expect.objectContaining({ attemptsMade: 1, errorCode: PROCESSING_FAILED_STATUS, rawData: record.data, arrivalTimestamp: record.approximateArrivalTimestamp }),
      ),
    );
    expect(errorLines[0]?.errorMessage).toBe('ProcessingFailed status set for record');

    // The cause is fixed.
    await kms.send(new EnableKeyCommand({ KeyId: DEV_KMS_KEY_ARN }));
    kms.destroy();
    const report = await replay();
    expect(report).toMatchObject({
      complete: true,
      objects: { selected: 1, read: 1, retired: 1, kept: 0 },
      records: { read: 3, ok: 3, stillFailing: 0, held: 0 },
      batches: { standalone: 1, rebuiltFromJournal: 0 },
    });
    await expectEachEventOnce(events);
    // Firehose's copy has their receipts too, as if it had delivered them: one per record, counting the events stored.
    const receipts = await okCopyReceipts();
    expect(receipts).toHaveLength(3);
    expect(receipts.reduce((sum, receipt) => sum + Number(receipt.events), 0)).toBe((await storedLines(aws)).length);
    expect(await keys('firehose/failed/')).toEqual([]);
    const marks = (await text((errorKey as string).replace('firehose/failed/', 'firehose/replayed/'))).trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(marks.map((mark) => [mark.line, mark.result, (mark.record as { rawData: string }).rawData])).toEqual(event.records.map((record, index) => [index, 'Ok', record.data]));

    const before = await listObjects(s3, aws.bucket, '');
    const again = await replay();
    expect(again).toMatchObject({ objects: { selected: 0 }, records: { read: 0 }, eventsStored: 0 });
    expect(await listObjects(s3, aws.bucket, '')).toEqual(before);
  });

  it('rebuilds a batch whose failed attempts left objects behind from the journal: each event stored once, not twice', async () => {
    const { event, events } = await mintBatch(aws, { engine: 'aurora-postgresql', records: 4, eventsPerRecord: 12, seed: 3 });
    // S3 refuses one folder's writes and every rollback: each attempt leaves the other folders' objects.
    aws.s3Proxy!.inject({ kind: 'slow-down', method: 'PUT', pathIncludes: 'command=UPDATE/' });
    aws.s3Proxy!.inject({ kind: 'internal-error', method: 'DELETE' });
    const run = await throughFirehose(event);
    expect(run.answer).toBeUndefined();
    expect(run.attempts).toBe(4);
    const leftovers = await keys('events/');
    expect(leftovers.length).toBeGreaterThan(0);
    expect(await keys('journal/')).toHaveLength(1);
    const [errorKey] = await keys('firehose/failed/');
    expect((await text(errorKey as string)).trim().split('\n').map((line) => JSON.parse(line).errorCode)).toEqual(event.records.map(() => 'Lambda.FunctionError'));

    aws.s3Proxy!.heal();
    const report = await replay();
    expect(report).toMatchObject({ complete: true, objects: { retired: 1 }, records: { ok: 4, stillFailing: 0, held: 0 }, batches: { standalone: 0, rebuiltFromJournal: 1 } });
    await expectEachEventOnce(events);
    // The leftovers were overwritten in place: same keys, plus the folder that had failed.
    expect(await keys('events/')).toEqual(expect.arrayContaining(leftovers));
  });

  it('finds a failed batch in the journal by its records\' arrival, however late Firehose ran it and however late the re-drive comes', async () => {
    const { event, events } = await mintBatch(aws, { engine: 'aurora-postgresql', records: 4, eventsPerRecord: 12, seed: 3 });
    // The batch straddles an hour: its entry is filed under both arrival hours.
    const hourEnd = Date.UTC(2026, 10, 21, 13);
    event.records.forEach((record, index) => (record.approximateArrivalTimestamp = hourEnd + (index < 2 ? -1_000 : 1_000) * (index + 1)));
    aws.s3Proxy!.inject({ kind: 'slow-down', method: 'PUT', pathIncludes: 'command=UPDATE/' });
    aws.s3Proxy!.inject({ kind: 'internal-error', method: 'DELETE' });
    // Firehose ran the batch three days after the records arrived (it had fallen behind its stream).
    const transformer = await withEnv(aws.env, async () => createTransformer(aws.env));
    const late = () => hourEnd + 3 * 24 * 3_600_000;
    const run = await quietly(() =>
      runLikeFirehose({ s3, bucket: aws.bucket, resourceId: RESOURCE }, event, () => withEnv(aws.env, () => transformer.transform(event, { now: late }))),
    );
    expect(run.answer).toBeUndefined();
    expect((await keys('journal/')).map((key) => key.split('/').slice(2, 6).join('/'))).toEqual(['2026/11/21/12', '2026/11/21/13']);
    aws.s3Proxy!.heal();

    // And the re-drive comes more than a year later.
    const report = await replay({ now: () => hourEnd + 400 * 24 * 3_600_000 });
    expect(report).toMatchObject({ complete: true, records: { ok: 4, stillFailing: 0, held: 0 }, batches: { standalone: 0, rebuiltFromJournal: 1 } });
    await expectEachEventOnce(events);
  });

  it('holds a failed batch whose records are not all in the error output read, and replays it once they are', async () => {
    const { event, events } = await mintBatch(aws, { engine: 'aurora-postgresql', records: 3, eventsPerRecord: 12, seed: 4 });
    aws.s3Proxy!.inject({ kind: 'slow-down', method: 'PUT', pathIncludes: 'command=UPDATE/' });
    aws.s3Proxy!.inject({ kind: 'internal-error', method: 'DELETE' });
    await throughFirehose(event);
    aws.s3Proxy!.heal();
    const [errorKey] = await keys('firehose/failed/');
    const lines = (await text(errorKey as string)).trim().split('\n');
    // Firehose split the batch's error records over two objects; the second is in a later hour.
    await s3.send(new PutObjectCommand({ Bucket: aws.bucket, Key: errorKey, Body: `${lines.slice(0, 2).join('\n')}\n` }));
    const laterKey = (errorKey as string).replace('/hour=12/', '/hour=13/');
    const leftovers = await keys('events/');

    const held = await replay({ until: Date.UTC(2026, 10, 21, 12) });
    expect(held).toMatchObject({ records: { held: 2, ok: 0 }, objects: { retired: 0, kept: 1 }, eventsStored: 0 });
    expect(Object.keys(held.reasons)[0]).toMatch(/its failed batch had 3 records and only 2 were found in the error output read/);
    expect(await keys('events/')).toEqual(leftovers);

    await s3.send(new PutObjectCommand({ Bucket: aws.bucket, Key: laterKey, Body: `${lines[2]}\n` }));
    const whole = await replay();
    expect(whole).toMatchObject({ records: { ok: 3, held: 0 }, objects: { retired: 2 }, batches: { rebuiltFromJournal: 1 } });
    await expectEachEventOnce(events);
  });

  it('replays what it can of a mixed error file, sets the rest aside in firehose/unreplayable/ with reasons, and a second run has nothing left', async () => {
    const good = await mintBatch(aws, { engine: 'aurora-postgresql', records: 3, eventsPerRecord: 4, seed: 5 });
    const [a, b, c] = good.event.records;
    const line = (record: typeof a, errorCode: string) =>
      JSON.stringify({ attemptsMade: 4, arrivalTimestamp: record!.approximateArrivalTimestamp, errorCode, errorMessage: 'x', attemptEndingTimestamp: record!.approximateArrivalTimestamp + 60_000, rawData: record!.data, lambdaArn: 'arn:aws:lambda:us-east-1:000000000000:function:f' });
    const body = [
      line(a, PROCESSING_FAILED_STATUS),
      'garbage that is not JSON',
      line(b, 'Lambda.FunctionError'), // an invocation failure no journal names: its batch stored nothing
      JSON.stringify({ errorCode: 'Lambda.FunctionError', errorMessage: 'no data' }),
      line({ ...a!, data: Buffer.from('not a DAS record').toString('base64') }, PROCESSING_FAILED_STATUS),
      line(c, PROCESSING_FAILED_STATUS),
    ].join('\n');
    const key = `firehose/failed/resource=${RESOURCE}/type=processing-failed/date=2026-11-21/hour=12/hand-written`;
    await s3.send(new PutObjectCommand({ Bucket: aws.bucket, Key: key, Body: body }));

    const first = await replay();
    const reasons = {
      'not a Firehose error record: not a JSON object': 1,
      'not a Firehose error record: it has no rawData string': 1,
      'record data is not JSON: expected a value (at character 0)': 1,
    };
    expect(first.error).toBeUndefined();
    expect(first).toMatchObject({ complete: true, objects: { retired: 0, kept: 0, unreplayable: 1 }, records: { read: 6, ok: 3, stillFailing: 3, held: 0 } });
    expect(first.reasons).toEqual(reasons);
    expect(first.unreplayable).toEqual([{ key, reasons }]);
    await expectEachEventOnce(good.events);
    // Out of the error output, at the same path below firehose/unreplayable/, its marks kept.
    expect(await keys('firehose/failed/')).toEqual([]);
    const restingKey = key.replace('firehose/failed/', 'firehose/unreplayable/');
    expect(await keys('firehose/unreplayable/')).toEqual([restingKey]);
    expect(await text(restingKey)).toBe(body);

    const stored = await listObjects(s3, aws.bucket, 'events/');
    const second = await replay();
    expect(second).toMatchObject({ complete: true, objects: { listed: 0, selected: 0, kept: 0, unreplayable: 0 }, records: { read: 0 }, eventsStored: 0 });
    expect(await listObjects(s3, aws.bucket, 'events/')).toEqual(stored);
    // The report lists it on request, with its reasons.
    expect(await quietly(() => withEnv(aws.env, () => createReplayer(aws.env).unreplayable()))).toEqual([{ key: restingKey, reasons }]);
    expect(await quietly(() => withEnv(aws.env, () => createReplayer(aws.env).unreplayable('db-ABCDEFGHIJKLMNOP')))).toEqual([]);
  });

  it('keeps in firehose/failed/ an object whose records may still come back (held for their batch), not set aside', async () => {
    const { event } = await mintBatch(aws, { engine: 'aurora-postgresql', records: 2, eventsPerRecord: 2, seed: 9 });
    const [a] = event.records;
    const line = JSON.stringify({ attemptsMade: 4, arrivalTimestamp: a!.approximateArrivalTimestamp, errorCode: PROCESSING_FAILED_STATUS, errorMessage: 'x', rawData: Buffer.from('not a DAS record').toString('base64') });
    const key = `firehose/failed/resource=${RESOURCE}/type=processing-failed/date=2026-11-21/hour=12/dry`;
    await s3.send(new PutObjectCommand({ Bucket: aws.bucket, Key: key, Body: line }));
    // A dry run judges nothing and moves nothing.
    expect(await replay({ dryRun: true })).toMatchObject({ objects: { unreplayable: 0 } });
    expect(await keys('firehose/failed/')).toEqual([key]);
  });

  it('reaches error output whose key names no database (the stack\'s first layout) with --resource-id, as that database\'s', async () => {
    const { event, events } = await mintBatch(aws, { engine: 'aurora-postgresql', records: 2, eventsPerRecord: 3, seed: 11 });
    const body = event.records
      .map((record) => JSON.stringify({ attemptsMade: 4, arrivalTimestamp: record.approximateArrivalTimestamp, errorCode: PROCESSING_FAILED_STATUS, errorMessage: 'x', rawData: record.data }))
      .join('\n');
    const key = 'firehose/failed/processing-failed/2026/11/21/12/das-firehose-1-2026-11-21-12-00-00-0a1b2c3d';
    await s3.send(new PutObjectCommand({ Bucket: aws.bucket, Key: key, Body: body }));
    const without = await replay();
    expect(without.kept).toEqual([{ key, reason: expect.stringContaining('its key names no database') }]);
    // Another database's folder is not taken.
    const other = 'firehose/failed/resource=db-ABCDEFGHIJKLMNOP/type=processing-failed/date=2026-11-21/hour=12/theirs';
    await s3.send(new PutObjectCommand({ Bucket: aws.bucket, Key: other, Body: 'not ours' }));

    const first = await replay({ resourceId: RESOURCE });
    expect(first).toMatchObject({ complete: true, objects: { listed: 1, selected: 1, retired: 1, kept: 0 }, records: { ok: 2 } });
    await expectEachEventOnce(events);
    expect(await keys('firehose/failed/')).toEqual([other]);
    expect(await replay({ resourceId: RESOURCE })).toMatchObject({ objects: { listed: 0, selected: 0 } });
  });

  it('rebuilds from the journal a batch that left objects behind and whose next attempt answered every record ProcessingFailed', async () => {
    const { event, events } = await mintBatch(aws, { engine: 'aurora-postgresql', records: 3, eventsPerRecord: 12, seed: 8 });
    let attempt = 0;
    const run = await quietly(() =>
      runLikeFirehose({ s3, bucket: aws.bucket, resourceId: RESOURCE }, event, () => {
        attempt += 1;
        if (attempt === 1) {
          // The first attempt fails part-way (one folder's writes refused, the rollback too)...
          aws.s3Proxy!.inject({ kind: 'slow-down', method: 'PUT', pathIncludes: 'command=UPDATE/' });
          aws.s3Proxy!.inject({ kind: 'internal-error', method: 'DELETE' });
        } else {
          // ...and by the second, S3 is back but the key policy no longer lets the function decrypt.
          aws.s3Proxy!.heal();
          aws.kms.deniedKeys.add(DEV_KMS_KEY_ARN);
        }
        // Each attempt in an instance of its own (a warm one would still hold the data keys).
        return withEnv(aws.env, async () => createTransformer(aws.env).transform(event));
      }),
    );
    expect(run.answer?.result.records.map((record) => record.result)).toEqual(['ProcessingFailed', 'ProcessingFailed', 'ProcessingFailed']);
    const leftovers = await keys('events/');
    expect(leftovers.length).toBeGreaterThan(0);

    aws.kms.deniedKeys.clear();
    const report = await replay();
    expect(report).toMatchObject({ complete: true, records: { ok: 3, stillFailing: 0, held: 0 }, batches: { standalone: 0, rebuiltFromJournal: 1 } });
    await expectEachEventOnce(events);
    expect(await keys('events/')).toEqual(expect.arrayContaining(leftovers));
  });

  it('stores a record found twice in the error output (two objects) once, and retires both', async () => {
    const { event, events } = await mintBatch(aws, { engine: 'aurora-postgresql', records: 2, eventsPerRecord: 5, seed: 9 });
    aws.kms.deniedKeys.add(DEV_KMS_KEY_ARN);
    await throughFirehose(event);
    aws.kms.deniedKeys.clear();
    const [errorKey] = await keys('firehose/failed/');
    const copyKey = (errorKey as string).replace('/hour=12/', '/hour=13/');
    await s3.send(new PutObjectCommand({ Bucket: aws.bucket, Key: copyKey, Body: await text(errorKey as string) }));

    const report = await replay();
    expect(report).toMatchObject({ complete: true, objects: { read: 2, retired: 2, kept: 0 }, records: { read: 4, stillFailing: 0 } });
    await expectEachEventOnce(events);
    expect(await keys('firehose/failed/')).toEqual([]);
  });

  it('when marking what it replayed fails, says so, and a later run completes it without storing anything twice', async () => {
    const { event, events } = await mintBatch(aws, { engine: 'aurora-postgresql', records: 3, eventsPerRecord: 4, seed: 10 });
    aws.kms.deniedKeys.add(DEV_KMS_KEY_ARN);
    await throughFirehose(event);
    aws.kms.deniedKeys.clear();
    aws.s3Proxy!.inject({ kind: 'internal-error', method: 'PUT', pathIncludes: '/firehose/replayed/' });
    const failed = await replay();
    expect(failed.complete).toBe(false);
    expect(failed.error).toMatch(/^marking what was replayed failed/);
    expect(await keys('firehose/failed/')).toHaveLength(1);

    aws.s3Proxy!.heal();
    const done = await replay();
    expect(done).toMatchObject({ complete: true, objects: { retired: 1 } });
    await expectEachEventOnce(events);
    expect(await keys('firehose/failed/')).toEqual([]);
  });

  it('plans without touching anything in a dry run', async () => {
    const { event } = await mintBatch(aws, { engine: 'aurora-postgresql', records: 2, eventsPerRecord: 3, seed: 6 });
    aws.kms.deniedKeys.add(DEV_KMS_KEY_ARN);
    await throughFirehose(event);
    aws.kms.deniedKeys.clear();
    const before = await listObjects(s3, aws.bucket, '');
    const decrypts = aws.kms.calls('Decrypt');
    const report = await replay({ dryRun: true });
    expect(report).toMatchObject({ dryRun: true, records: { toReplay: 2, ok: 0 }, batches: { standalone: 1 }, eventsStored: 0 });
    expect(await listObjects(s3, aws.bucket, '')).toEqual(before);
    expect(aws.kms.calls('Decrypt')).toBe(decrypts);
  });

  it('stops with the reason when S3 fails during a re-drive, and a later run finishes the job once', async () => {
    const { event, events } = await mintBatch(aws, { engine: 'aurora-postgresql', records: 2, eventsPerRecord: 6, seed: 7 });
    aws.kms.deniedKeys.add(DEV_KMS_KEY_ARN);
    await throughFirehose(event);
    aws.kms.deniedKeys.clear();
    aws.s3Proxy!.inject({ kind: 'slow-down', method: 'PUT', pathIncludes: '/events/' });
    const failed = await replay();
    expect(failed.complete).toBe(false);
    expect(failed.error).toMatch(/the transformer failed, nothing of this batch is marked replayed/);
    expect(await keys('firehose/failed/')).toHaveLength(1);
    aws.s3Proxy!.heal();
    expect(await replay()).toMatchObject({ complete: true, records: { ok: 2 }, objects: { retired: 1 } });
    await expectEachEventOnce(events);
  });
});
