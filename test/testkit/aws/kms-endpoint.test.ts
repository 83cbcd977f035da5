import { request } from 'node:http';
import { DecryptCommand, DescribeKeyCommand, DisableKeyCommand, EnableKeyCommand, EncryptCommand, GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { DEV_KMS_KEY_ARN } from '../../../testkit/aws/dev-key';
import { LocalKms } from '../../../testkit/aws/kms-endpoint';

/**
 * The local KMS endpoint must refuse what KMS refuses for the calls this project makes, or a test could
 * pass on a request AWS would reject. Each case goes through the real @aws-sdk/client-kms.
 */
describe('the local KMS endpoint', () => {
  const kms = new LocalKms();
  let client: KMSClient;
  beforeAll(async () => {
    client = new KMSClient({ endpoint: await kms.start(), region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 1 });
  });
  afterAll(() => kms.stop());

  const refusal = (promise: Promise<unknown>) => promise.then(() => 'accepted', (error: Error) => error.name);
  const context = { 'aws:rds:dbc-id': 'cluster-ABC' };

  it('makes data keys as RDS asks for them and decrypts them only under the same context', async () => {
    const key = await client.send(new GenerateDataKeyCommand({ KeyId: DEV_KMS_KEY_ARN, KeySpec: 'AES_256', EncryptionContext: context }));
    expect(key.Plaintext).toHaveLength(32);
    const back = await client.send(new DecryptCommand({ CiphertextBlob: key.CiphertextBlob, EncryptionContext: context, KeyId: DEV_KMS_KEY_ARN }));
    expect(Buffer.from(back.Plaintext!).equals(Buffer.from(key.Plaintext!))).toBe(true);
    expect(await refusal(client.send(new DecryptCommand({ CiphertextBlob: key.CiphertextBlob, EncryptionContext: { 'aws:rds:dbc-id': 'cluster-XYZ' } })))).toBe(
      'InvalidCiphertextException',
    );
    expect(await refusal(client.send(new DecryptCommand({ CiphertextBlob: key.CiphertextBlob, EncryptionContext: context, KeyId: 'arn:aws:kms:us-east-1:000000000000:key/other' })))).toBe(
      'IncorrectKeyException',
    );
  });

  it('disables and enables a key as KMS does: every use of a disabled key is DisabledException, an unknown key NotFoundException', async () => {
    const key = await client.send(new GenerateDataKeyCommand({ KeyId: DEV_KMS_KEY_ARN, KeySpec: 'AES_256', EncryptionContext: context }));
    await client.send(new DisableKeyCommand({ KeyId: DEV_KMS_KEY_ARN }));
    expect((await client.send(new DescribeKeyCommand({ KeyId: DEV_KMS_KEY_ARN }))).KeyMetadata).toMatchObject({ Arn: DEV_KMS_KEY_ARN, Enabled: false, KeyState: 'Disabled' });
    expect(await refusal(client.send(new DecryptCommand({ CiphertextBlob: key.CiphertextBlob, EncryptionContext: context })))).toBe('DisabledException');
    expect(await refusal(client.send(new GenerateDataKeyCommand({ KeyId: DEV_KMS_KEY_ARN, KeySpec: 'AES_256' })))).toBe('DisabledException');
    await client.send(new EnableKeyCommand({ KeyId: DEV_KMS_KEY_ARN }));
    expect((await client.send(new DescribeKeyCommand({ KeyId: DEV_KMS_KEY_ARN }))).KeyMetadata?.KeyState).toBe('Enabled');
    await expect(client.send(new DecryptCommand({ CiphertextBlob: key.CiphertextBlob, EncryptionContext: context }))).resolves.toBeDefined();
    expect(await refusal(client.send(new DisableKeyCommand({ KeyId: 'arn:aws:kms:us-east-1:000000000000:key/unknown' })))).toBe('NotFoundException');
  });

  it.each([
    ['both KeySpec and NumberOfBytes', { KeySpec: 'AES_256' as const, NumberOfBytes: 32 }],
    ['neither KeySpec nor NumberOfBytes', {}],
    ['NumberOfBytes 0', { NumberOfBytes: 0 }],
    ['NumberOfBytes 1025', { NumberOfBytes: 1025 }],
  ])('refuses GenerateDataKey with %s (ValidationException)', async (_name, size) => {
    expect(await refusal(client.send(new GenerateDataKeyCommand({ KeyId: DEV_KMS_KEY_ARN, ...size })))).toBe('ValidationException');
  });

  it('accepts GenerateDataKey sizes 1 and 1024', async () => {
    for (const NumberOfBytes of [1, 1024]) {
      expect((await client.send(new GenerateDataKeyCommand({ KeyId: DEV_KMS_KEY_ARN, NumberOfBytes }))).Plaintext).toHaveLength(NumberOfBytes);
    }
  });

  it('refuses an empty plaintext and one over 4096 bytes (ValidationException)', async () => {
    expect(await refusal(client.send(new EncryptCommand({ KeyId: DEV_KMS_KEY_ARN, Plaintext: new Uint8Array(0) })))).toBe('ValidationException');
    expect(await refusal(client.send(new EncryptCommand({ KeyId: DEV_KMS_KEY_ARN, Plaintext: new Uint8Array(4097) })))).toBe('ValidationException');
  });

  it('refuses an asymmetric algorithm for its symmetric keys (InvalidKeyUsageException)', async () => {
    const sealed = await client.send(new EncryptCommand({ KeyId: DEV_KMS_KEY_ARN, Plaintext: new Uint8Array(32) }));
    expect(await refusal(client.send(new EncryptCommand({ KeyId: DEV_KMS_KEY_ARN, Plaintext: new Uint8Array(32), EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' })))).toBe(
      'InvalidKeyUsageException',
    );
    expect(await refusal(client.send(new DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob, EncryptionAlgorithm: 'RSAES_OAEP_SHA_1' })))).toBe(
      'InvalidKeyUsageException',
    );
  });

  it('refuses an empty blob, an unknown key and a blob it did not make', async () => {
    expect(await refusal(client.send(new DecryptCommand({ CiphertextBlob: new Uint8Array(0) })))).toBe('ValidationException');
    expect(await refusal(client.send(new GenerateDataKeyCommand({ KeyId: 'alias/nothing-here', KeySpec: 'AES_256' })))).toBe('NotFoundException');
    expect(await refusal(client.send(new DecryptCommand({ CiphertextBlob: new Uint8Array(64).fill(7) })))).toBe('InvalidCiphertextException');
  });

  it('refuses a request that is not signed (MissingAuthenticationTokenException)', async () => {
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(kms.endpoint, { method: 'POST', headers: { 'x-amz-target': 'TrentService.Decrypt', 'content-type': 'application/x-amz-json-1.1' } }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end('{"CiphertextBlob":"AAAA"}');
    });
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body).__type).toBe('MissingAuthenticationTokenException');
  });
});
