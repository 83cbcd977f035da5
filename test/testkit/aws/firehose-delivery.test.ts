import { gunzipSync, inflateRawSync } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { FirehoseTransformationEvent, FirehoseTransformationResult } from 'aws-lambda';
import { firehoseErrorOutputPrefix, firehoseOkPrefix } from '../../../lib/bucket-layout';
import { deliverOkRecords, expandPrefix, runLikeFirehose } from '../../../testkit/aws/firehose-delivery';
import { s3ClientFor, startLocalAws, type LocalAws } from '../../support/local-aws';

const AT = new Date(Date.UTC(2026, 10, 21, 7, 5, 9));

describe('expandPrefix (Firehose prefix expressions)', () => {
  it('fills the stack\'s Ok and error output prefixes with the UTC date and hour', () => {
    expect(expandPrefix(firehoseOkPrefix('cluster-ABC'), AT)).toBe('firehose/ok/resource=cluster-ABC/date=2026-11-21/hour=07/');
    expect(expandPrefix(firehoseErrorOutputPrefix('db-XYZ'), AT, 'processing-failed')).toBe(
      'firehose/failed/resource=db-XYZ/type=processing-failed/date=2026-11-21/hour=07/',
    );
  });

  it('refuses what it cannot emulate rather than writing a wrong key', () => {
    expect(() => expandPrefix('x/!{timestamp:yyyy-ww}/', AT)).toThrow('unsupported date pattern letters "w"');
    expect(() => expandPrefix('x/!{partitionKeyFromQuery:id}/', AT)).toThrow('unsupported Firehose prefix expression');
    expect(() => expandPrefix(firehoseErrorOutputPrefix('db-XYZ'), AT)).toThrow('needs an error output type');
  });
});

describe('deliverOkRecords (Firehose\'s delivery of the transformer\'s answer)', () => {
  let aws: LocalAws;
  let s3: S3Client;
  beforeAll(async () => {
    aws = await startLocalAws();
    s3 = s3ClientFor(aws);
  });
  afterAll(async () => {
    s3.destroy();
    await aws.stop();
  });

  const event = {
    invocationId: 'i',
    deliveryStreamArn: 'arn:aws:firehose:us-east-1:000000000000:deliverystream/das-firehose-cluster-ABC',
    region: 'us-east-1',
    records: [
      { recordId: 'r1', approximateArrivalTimestamp: Date.UTC(2026, 10, 21, 8, 0, 1), data: '' },
      { recordId: 'r2', approximateArrivalTimestamp: Date.UTC(2026, 10, 21, 7, 59, 58), data: '' },
      { recordId: 'r3', approximateArrivalTimestamp: Date.UTC(2026, 10, 21, 7, 59, 59), data: '' },
      { recordId: 'r4', approximateArrivalTimestamp: Date.UTC(2026, 10, 21, 8, 0, 2), data: '' },
    ],
  } as FirehoseTransformationEvent;
  const b64 = (text: string) => Buffer.from(text).toString('base64');

  it('writes the Ok records\' data alone, in order, gzipped as one stream, under the hour of the oldest one, named as Firehose names objects', async () => {
    const result: FirehoseTransformationResult = {
      records: [
        { recordId: 'r1', result: 'Ok', data: b64('first\n') },
        { recordId: 'r2', result: 'Dropped', data: b64('') },
        { recordId: 'r3', result: 'ProcessingFailed', data: b64('original bytes') },
        { recordId: 'r4', result: 'Ok', data: b64('second\n') },
      ],
    };
    const delivery = await deliverOkRecords({ s3, bucket: aws.bucket, resourceId: 'cluster-ABC' }, event, result);
    // r2 is older but Dropped: the object holds r1 and r4, and r1 arrived at 08:00:01.
    expect(delivery?.key).toMatch(
      /^firehose\/ok\/resource=cluster-ABC\/date=2026-11-21\/hour=08\/das-firehose-cluster-ABC-1-2026-11-21-08-00-01-[0-9a-f]{8}\.jsonl\.gz$/,
    );
    expect(delivery?.records).toBe(2);
    const body = Buffer.from((await (await s3.send(new GetObjectCommand({ Bucket: aws.bucket, Key: delivery?.key }))).Body?.transformToByteArray()) ?? []);
    // One gzip stream (the stack's CompressionFormat GZIP), not one member per record.
    expect(gunzipSync(body).toString()).toBe('first\nsecond\n');
    expect(gzipMembers(body)).toBe(1);
  });

  it('writes nothing when no record is Ok', async () => {
    const before = await s3.send(new ListObjectsV2Command({ Bucket: aws.bucket }));
    const result: FirehoseTransformationResult = {
      records: event.records.map((record) => ({ recordId: record.recordId, result: 'Dropped' as const, data: '' })),
    };
    expect(await deliverOkRecords({ s3, bucket: aws.bucket, resourceId: 'cluster-ABC' }, event, result)).toBeUndefined();
    const after = await s3.send(new ListObjectsV2Command({ Bucket: aws.bucket }));
    expect(after.KeyCount).toBe(before.KeyCount);
  });

  it('names objects from the batch: the same batch again replaces its own objects, another batch adds its own', async () => {
    const target = { s3, bucket: aws.bucket, resourceId: 'cluster-RERUN' };
    const batch = (ids: readonly string[]) =>
      ({ ...event, records: ids.map((recordId) => ({ recordId, approximateArrivalTimestamp: Date.UTC(2026, 10, 21, 9), data: b64(recordId) })) }) as FirehoseTransformationEvent;
    const answer = (sent: FirehoseTransformationEvent) => async () => ({
      result: { records: sent.records.map((record, index) => ({ recordId: record.recordId, result: index === 0 ? ('ProcessingFailed' as const) : ('Ok' as const), data: record.data })) },
      summary: { failures: [{ recordId: sent.records[0]!.recordId, reason: 'test' }] },
    });
    const keys = async (prefix: string) =>
      ((await s3.send(new ListObjectsV2Command({ Bucket: aws.bucket, Prefix: prefix }))).Contents ?? []).map((object) => object.Key).sort();

    const first = batch(['a1', 'a2', 'a3']);
    const once = await runLikeFirehose(target, first, answer(first));
    const again = await runLikeFirehose(target, batch(['a1', 'a2', 'a3']), answer(batch(['a1', 'a2', 'a3'])));
    expect(again.ok?.key).toBe(once.ok?.key);
    expect(again.failed?.key).toBe(once.failed?.key);
    expect(await keys('firehose/ok/resource=cluster-RERUN/')).toEqual([once.ok?.key]);
    expect(await keys('firehose/failed/resource=cluster-RERUN/')).toEqual([once.failed?.key]);

    const other = batch(['b1', 'b2']);
    const second = await runLikeFirehose(target, other, answer(other));
    expect(second.ok?.key).not.toBe(once.ok?.key);
    expect(await keys('firehose/ok/resource=cluster-RERUN/')).toHaveLength(2);
    expect(await keys('firehose/failed/resource=cluster-RERUN/')).toHaveLength(2);
  });
});

/** How many gzip members a body holds, read one after another (headers without optional fields, as zlib writes them). */
function gzipMembers(body: Buffer): number {
  let members = 0;
  for (let at = 0; at < body.length; members++) {
    // The raw inflater reports how much of its input the member's deflate data took; 10 header and 8 trailer bytes surround it.
    const { engine } = inflateRawSync(body.subarray(at + 10), { info: true }) as unknown as { engine: { bytesWritten: number } };
    at += 10 + engine.bytesWritten + 8;
  }
  return members;
}
