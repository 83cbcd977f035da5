import { gzipSync } from 'node:zlib';
import { S3Client } from '@aws-sdk/client-s3';
import { S3EventStore } from '../../../lambda/adapters/s3-event-store';
import { listObjects, readEvents } from '../../../local/audit-log/reader';
import { LocalAws, s3ClientFor, startLocalAws } from '../../support/local-aws';

describe('S3EventStore, against s3rver behind the fault proxy', () => {
  let aws: LocalAws;
  let s3: S3Client;
  beforeEach(async () => {
    aws = await startLocalAws({ s3Faults: true });
    s3 = new S3Client({
      endpoint: aws.s3Proxy!.endpoint,
      forcePathStyle: true,
      region: 'us-east-1',
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      requestHandler: { requestTimeout: 500, throwOnRequestTimeout: true },
    });
  });
  afterEach(() => aws.stop());

  const object = (key: string) => async () => ({ key, body: gzipSync('{"a":1}\n'), eventCount: 1 });

  it('writes gzip NDJSON with its content type, encoding and event count, and removes it again', async () => {
    const store = new S3EventStore(s3, aws.bucket);
    await store.putAll([object('events/command=A/x.jsonl.gz'), object('events/command=B/x.jsonl.gz')]);
    const stored = await readEvents(s3ClientFor(aws), aws.bucket, 'events/command=A/x.jsonl.gz');
    expect(stored).toMatchObject({ events: [{ a: 1 }], contentType: 'application/x-ndjson', contentEncoding: 'gzip' });
    expect(await store.removeAll(['events/command=A/x.jsonl.gz', 'events/command=B/x.jsonl.gz'])).toEqual([]);
    expect(await listObjects(s3ClientFor(aws), aws.bucket, 'events/')).toEqual([]);
    expect(store.putCalls).toBe(2);
    expect(store.deleteCalls).toBe(2);
  });

  it('rejects when S3 keeps failing, and stops starting writes once its signal aborts', async () => {
    const store = new S3EventStore(s3, aws.bucket, { concurrency: 1 });
    aws.s3Proxy!.inject({ kind: 'slow-down', method: 'PUT' });
    await expect(store.putAll([object('events/a.jsonl.gz')])).rejects.toMatchObject({ name: 'SlowDown' });
    aws.s3Proxy!.heal();
    const controller = new AbortController();
    controller.abort(new Error('deadline reached'));
    await expect(store.putAll([object('events/b.jsonl.gz')], controller.signal)).rejects.toThrow('deadline reached');
    expect(await listObjects(s3ClientFor(aws), aws.bucket, 'events/')).toEqual([]);
  });

  it('reports the keys it could not remove instead of throwing', async () => {
    const store = new S3EventStore(s3, aws.bucket);
    await store.putAll([object('events/c.jsonl.gz')]);
    aws.s3Proxy!.inject({ kind: 'internal-error', method: 'DELETE' });
    expect(await store.removeAll(['events/c.jsonl.gz'])).toEqual(['events/c.jsonl.gz']);
  });
});
