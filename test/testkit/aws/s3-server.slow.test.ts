import { PutObjectCommand } from '@aws-sdk/client-s3';
import { mapConcurrent } from '../../../lambda/core/shared/concurrency';
import { listObjects } from '../../../local/audit-log/reader';
import { LocalAws, s3ClientFor, startLocalAws } from '../../support/local-aws';

describe('the local S3 server (s3rver)', () => {
  let aws: LocalAws;
  beforeAll(async () => {
    aws = await startLocalAws();
  });
  afterAll(() => aws.stop());

  // s3rver seals continuation tokens with DES, which Node 20's OpenSSL lacks; LocalS3 works around it.
  it('lists past 1,000 keys, page by page, with the real S3 client', async () => {
    const s3 = s3ClientFor(aws);
    const keys = Array.from({ length: 1_234 }, (_, index) => `events/command=SELECT/date=2026-11-21/hour=12/object-${String(index).padStart(5, '0')}.jsonl.gz`);
    await mapConcurrent(keys, 32, (Key) => s3.send(new PutObjectCommand({ Bucket: aws.bucket, Key, Body: 'x' })));
    expect((await listObjects(s3, aws.bucket, 'events/')).map((object) => object.key)).toEqual(keys);
  });
});
