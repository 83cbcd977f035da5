import { randomBytes } from 'node:crypto';
import { KMSClient } from '@aws-sdk/client-kms';
import { KmsDataKeyProvider } from '../../../lambda/adapters/kms-data-key-provider';
import { encryptionContextFor } from '../../../lambda/core/shared/resource';
import type { DataKey, DataKeyAnswer } from '../../../lambda/core/transform/ports';
import { DEV_KMS_KEY_ARN } from '../../../testkit/aws/dev-key';
import { LocalKms } from '../../../testkit/aws/kms-endpoint';

const OTHER_KEY_ARN = 'arn:aws:kms:us-east-1:000000000000:key/11111111-1111-4111-8111-111111111111';
const cluster = 'cluster-ABCDEFGHIJKLMNOP';
const context = encryptionContextFor(cluster);

let kms: LocalKms;
let client: KMSClient;

beforeAll(async () => {
  kms = new LocalKms({ keys: new Map([[DEV_KMS_KEY_ARN, randomBytes(32)], [OTHER_KEY_ARN, randomBytes(32)]]) });
  const endpoint = await kms.start();
  client = new KMSClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    retryStrategy: undefined,
  });
});
afterAll(() => kms.stop());
beforeEach(() => kms.resetCalls());

/** The key of an answer that must be a key; fails the test, naming the refusal, otherwise. */
function keyOf(answer: DataKeyAnswer): DataKey {
  if ('refused' in answer) throw new Error(`expected a data key, KMS refused: ${answer.refused}`);
  return answer.key;
}

const blobFor = (plaintext: Buffer, ctx = context, keyArn = DEV_KMS_KEY_ARN) =>
  kms.seal(keyArn, plaintext, { ...ctx }).toString('base64');

describe('KmsDataKeyProvider', () => {
  it('decrypts a key blob under the resource encryption context', async () => {
    const plaintext = randomBytes(32);
    const key = keyOf(await new KmsDataKeyProvider(client).dataKey(blobFor(plaintext), context));
    expect(Buffer.from(key.plaintext).equals(plaintext)).toBe(true);
    expect(key.id).toMatch(/^[0-9a-f]{16}$/);
  });

  it('calls KMS once per distinct blob, sharing concurrent lookups and serving repeats from cache', async () => {
    const provider = new KmsDataKeyProvider(client);
    const blobs = [blobFor(randomBytes(32)), blobFor(randomBytes(32))];
    await Promise.all(Array.from({ length: 50 }, (_, i) => provider.dataKey(blobs[i % 2]!, context)));
    await provider.dataKey(blobs[0]!, context);
    expect(kms.calls('Decrypt')).toBe(2);
    expect(provider.kmsCalls).toBe(2);
  });

  it('asks KMS again once a cached key has expired', async () => {
    let now = 0;
    const provider = new KmsDataKeyProvider(client, { ttlSeconds: 60, now: () => now });
    const blob = blobFor(randomBytes(32));
    await provider.dataKey(blob, context);
    now = 59_000;
    await provider.dataKey(blob, context);
    now = 61_000;
    await provider.dataKey(blob, context);
    expect(kms.calls('Decrypt')).toBe(2);
  });

  it('keeps at most maxEntries keys', async () => {
    const provider = new KmsDataKeyProvider(client, { maxEntries: 2 });
    const blobs = [1, 2, 3].map(() => blobFor(randomBytes(32)));
    for (const blob of blobs) await provider.dataKey(blob, context);
    await provider.dataKey(blobs[0]!, context); // evicted by the third
    expect(kms.calls('Decrypt')).toBe(4);
  });

  it('answers a refusal, not a rejection, under the wrong encryption context, and asks only once', async () => {
    const provider = new KmsDataKeyProvider(client);
    const blob = blobFor(randomBytes(32), encryptionContextFor('db-SOMEOTHERINSTANCE'));
    await expect(provider.dataKey(blob, context)).resolves.toEqual({ refused: 'KMS refused the data key: InvalidCiphertextException' });
    await expect(provider.dataKey(blob, context)).resolves.toEqual({ refused: 'KMS refused the data key: InvalidCiphertextException' });
    expect(kms.calls('Decrypt')).toBe(1);
  });

  it('pins Decrypt to the configured key: a blob of another key is refused', async () => {
    const provider = new KmsDataKeyProvider(client);
    const blob = blobFor(randomBytes(32), context, OTHER_KEY_ARN);
    await expect(provider.dataKey(blob, context, DEV_KMS_KEY_ARN)).resolves.toEqual({
      refused: 'KMS refused the data key: IncorrectKeyException',
    });
    expect(keyOf(await provider.dataKey(blob, context, OTHER_KEY_ARN)).plaintext).toHaveLength(32);
  });

  // Each error KMS gives for a blob that will never decrypt here fails only the records sealed with it.
  it.each([
    'InvalidCiphertextException',
    'IncorrectKeyException',
    'AccessDeniedException',
    'NotFoundException',
    'DisabledException',
    'KMSInvalidStateException',
    'InvalidKeyUsageException',
    'ValidationException',
  ])('answers %s as a refusal of that blob', async (type) => {
    const provider = new KmsDataKeyProvider(client);
    kms.failNext({ type });
    await expect(provider.dataKey(blobFor(randomBytes(32)), context)).resolves.toEqual({ refused: `KMS refused the data key: ${type}` });
  });

  it('absorbs KMS throttling through the SDK retries', async () => {
    const provider = new KmsDataKeyProvider(client);
    kms.failNext({ type: 'ThrottlingException' }, { type: 'ThrottlingException' });
    expect(keyOf(await provider.dataKey(blobFor(randomBytes(32)), context)).plaintext).toHaveLength(32);
    expect(kms.calls('Decrypt')).toBe(3);
  });

  it('rejects with the SDK error when KMS stays unavailable (the batch is retried), and does not cache it', async () => {
    const provider = new KmsDataKeyProvider(client);
    const blob = blobFor(randomBytes(32));
    kms.failNext(...Array.from({ length: 3 }, () => ({ type: 'KMSInternalException', status: 500 })));
    await expect(provider.dataKey(blob, context)).rejects.toMatchObject({ name: 'KMSInternalException' });
    expect(keyOf(await provider.dataKey(blob, context)).plaintext).toHaveLength(32);
  });

  it('rejects when its signal aborts, and asks again next time', async () => {
    const provider = new KmsDataKeyProvider(client);
    const blob = blobFor(randomBytes(32));
    kms.latencyMs = 2_000;
    try {
      await expect(provider.dataKey(blob, context, undefined, AbortSignal.timeout(50))).rejects.toMatchObject({ name: 'AbortError' });
    } finally {
      kms.latencyMs = 0;
    }
    expect(keyOf(await provider.dataKey(blob, context)).plaintext).toHaveLength(32);
  });
});
