import { randomBytes } from 'node:crypto';
import { KMSClient } from '@aws-sdk/client-kms';
import { KmsDataKeyProvider } from '../../../lambda/adapters/kms-data-key-provider';
import { encryptionContextFor } from '../../../lambda/core/resource';
import { DataKeyError } from '../../../lambda/errors';
import { DEV_KMS_KEY_ARN } from '../../../local/dev-key';
import { LocalKms } from '../../../local/kms-endpoint';

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

const blobFor = (plaintext: Buffer, ctx = context, keyArn = DEV_KMS_KEY_ARN) =>
  kms.seal(keyArn, plaintext, { ...ctx }).toString('base64');

describe('KmsDataKeyProvider', () => {
  it('decrypts a key blob under the resource encryption context', async () => {
    const plaintext = randomBytes(32);
    const key = await new KmsDataKeyProvider(client).dataKey(blobFor(plaintext), context);
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

  it('fails with DataKeyError under the wrong encryption context, and asks only once', async () => {
    const provider = new KmsDataKeyProvider(client);
    const blob = blobFor(randomBytes(32), encryptionContextFor('db-SOMEOTHERINSTANCE'));
    await expect(provider.dataKey(blob, context)).rejects.toThrow(DataKeyError);
    await expect(provider.dataKey(blob, context)).rejects.toThrow('InvalidCiphertextException');
    expect(kms.calls('Decrypt')).toBe(1);
  });

  it('pins Decrypt to the configured key: a blob of another key is refused', async () => {
    const provider = new KmsDataKeyProvider(client);
    const blob = blobFor(randomBytes(32), context, OTHER_KEY_ARN);
    await expect(provider.dataKey(blob, context, DEV_KMS_KEY_ARN)).rejects.toThrow('IncorrectKeyException');
    await expect(provider.dataKey(blob, context, OTHER_KEY_ARN)).resolves.toBeDefined();
  });

  it('absorbs KMS throttling through the SDK retries', async () => {
    const provider = new KmsDataKeyProvider(client);
    kms.failNext({ type: 'ThrottlingException' }, { type: 'ThrottlingException' });
    await expect(provider.dataKey(blobFor(randomBytes(32)), context)).resolves.toBeDefined();
    expect(kms.calls('Decrypt')).toBe(3);
  });

  it('rejects with the SDK error, not DataKeyError, when KMS stays unavailable, and does not cache it', async () => {
    const provider = new KmsDataKeyProvider(client);
    const blob = blobFor(randomBytes(32));
    kms.failNext(...Array.from({ length: 3 }, () => ({ type: 'KMSInternalException', status: 500 })));
    const failure = await provider.dataKey(blob, context).catch((error: unknown) => error);
    expect(failure).not.toBeInstanceOf(DataKeyError);
    expect((failure as Error).name).toBe('KMSInternalException');
    await expect(provider.dataKey(blob, context)).resolves.toBeDefined();
  });
});
