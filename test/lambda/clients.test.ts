import { createHash } from 'node:crypto';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { s3ClientFor } from '../../lambda/clients';

/** The signed request the client would send, taken after signing and never sent. */
class Sent extends Error {
  constructor(readonly headers: Record<string, string>) {
    super('taken before sending');
    this.name = 'Sent';
  }
}

describe('s3ClientFor', () => {
  it('sends every PUT with its body\'s SHA-256 signed (what S3 checks the body against), and no extra CRC32', async () => {
    const env = { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b', AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9' };
    const saved = { ...process.env };
    Object.assign(process.env, env);
    try {
      const s3 = s3ClientFor(env, { connectionMs: 1000, requestMs: 1000 });
      s3.middlewareStack.add(
        () => async (args) => {
          throw new Sent((args.request as { headers: Record<string, string> }).headers);
        },
        { step: 'finalizeRequest', priority: 'low' },
      );
      const body = Buffer.from('{"a":1}\n');
      const error: unknown = await s3.send(new PutObjectCommand({ Bucket: 'b', Key: 'k', Body: body })).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(Sent);
      const headers = (error as Sent).headers;
      expect(headers['x-amz-content-sha256']).toBe(createHash('sha256').update(body).digest('hex'));
      expect(headers.authorization).toContain('x-amz-content-sha256');
      expect(Object.keys(headers).filter((name) => name.startsWith('x-amz-checksum-') || name === 'x-amz-sdk-checksum-algorithm')).toEqual([]);
    } finally {
      process.env = saved;
    }
  });
});
