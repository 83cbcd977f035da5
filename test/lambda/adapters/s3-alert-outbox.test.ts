import { gzipSync } from 'node:zlib';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { S3AlertOutbox } from '../../../lambda/adapters/s3-alert-outbox';
import { LocalAws, s3ClientFor, startLocalAws } from '../../support/local-aws';

/** The outbox on the local S3 server: what the publisher relies on when it removes and sets aside. */
let aws: LocalAws;
beforeAll(async () => {
  aws = await startLocalAws({ notifications: [] });
});
afterAll(() => aws.stop());

const KEY = 'alerts/pending/cluster-A/cluster-A-1.json';

describe('S3AlertOutbox', () => {
  it('never removes an object rewritten since it was read, and removes it once read again', async () => {
    const s3 = s3ClientFor(aws);
    const outbox = new S3AlertOutbox(s3, aws.bucket);
    await s3.send(new PutObjectCommand({ Bucket: aws.bucket, Key: KEY, Body: '{"first":1}' }));
    const first = await outbox.read(KEY);
    await s3.send(new PutObjectCommand({ Bucket: aws.bucket, Key: KEY, Body: '{"second":2}' }));
    expect(await outbox.remove(KEY, first!.etag)).toBe(false);
    expect((await outbox.list()).map((item) => item.key)).toEqual([KEY]);
    const second = await outbox.read(KEY);
    expect(second?.text).toBe('{"second":2}');
    expect(await outbox.remove(KEY, second!.etag)).toBe(true);
    expect(await outbox.list()).toEqual([]);
    expect(await outbox.read(KEY)).toBeUndefined();
  });

  it('reads a gzipped body as its JSON', async () => {
    const s3 = s3ClientFor(aws);
    await s3.send(new PutObjectCommand({ Bucket: aws.bucket, Key: KEY, Body: gzipSync('{"zipped":true}') }));
    expect((await new S3AlertOutbox(s3, aws.bucket).read(KEY))?.text).toBe('{"zipped":true}');
  });
});
