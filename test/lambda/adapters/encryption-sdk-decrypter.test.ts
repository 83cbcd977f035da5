import { randomBytes } from 'node:crypto';
import { EncryptionSdkDecrypter } from '../../../lambda/adapters/encryption-sdk-decrypter';
import { PayloadError } from '../../../lambda/core/shared/errors';
import type { DataKey } from '../../../lambda/core/transform/ports';
import { sealPayload, SIGNED_SUITE, UNSIGNED_SUITE } from '../../../testkit/das/das-synth';

const newKey = (): DataKey => ({ id: 'k', plaintext: new Uint8Array(randomBytes(32)) });
const seal = (plaintext: Buffer, key: DataKey, suite = UNSIGNED_SUITE, frameLength = 4096) =>
  sealPayload(plaintext, { plaintext: key.plaintext, blob: '' }, suite, frameLength);

describe('EncryptionSdkDecrypter', () => {
  it.each([
    ['unsigned 0x0178 (Aurora PostgreSQL)', UNSIGNED_SUITE, 4096],
    ['signed 0x0378 (Aurora MySQL)', SIGNED_SUITE, 262144],
  ])('opens %s messages, across many frames', async (_name, suite, frameLength) => {
    const key = newKey();
    const plaintext = randomBytes(20_000);
    const message = await seal(plaintext, key, suite, frameLength);
    expect((await new EncryptionSdkDecrypter().decrypt(message, key)).equals(plaintext)).toBe(true);
  });

  it('reuses one keyring per data key without losing the key (the keyring zeroes its input)', async () => {
    const decrypter = new EncryptionSdkDecrypter();
    const key = newKey();
    const before = Buffer.from(key.plaintext);
    const messages = await Promise.all([1, 2, 3].map((n) => seal(Buffer.from(`payload ${n}`), key)));
    const opened = await Promise.all(messages.map((message) => decrypter.decrypt(message, key)));
    expect(opened.map(String)).toEqual(['payload 1', 'payload 2', 'payload 3']);
    expect(Buffer.from(key.plaintext).equals(before)).toBe(true);
  });

  it('accepts a data key held in a pooled Buffer slice', async () => {
    const pooled = Buffer.from(randomBytes(32).toString('hex'), 'hex'); // small Buffers come from the shared pool
    const key: DataKey = { id: 'pooled', plaintext: pooled };
    const message = await seal(Buffer.from('ok'), { id: 'x', plaintext: new Uint8Array(pooled) });
    expect(String(await new EncryptionSdkDecrypter().decrypt(message, key))).toBe('ok');
  });

  it('fails with PayloadError on a wrong key, a tampered message, a truncated message and a signature mismatch', async () => {
    const decrypter = new EncryptionSdkDecrypter();
    const key = newKey();
    const message = await seal(randomBytes(5000), key, SIGNED_SUITE, 4096);
    const tampered = Buffer.from(message);
    tampered[tampered.length - 200]! ^= 0x01;
    const failure = (reason: string) => expect.objectContaining({ name: 'PayloadError', message: `databaseActivityEvents could not be decrypted: ${reason}` });
    // The SDK's own words for each: the keyring cannot unwrap the data key, a frame's tag fails, the
    // signature over a cut message fails, the bytes are not an SDK message.
    await expect(decrypter.decrypt(message, newKey())).rejects.toEqual(failure('unencryptedDataKey has not been set'));
    await expect(decrypter.decrypt(tampered, key)).rejects.toEqual(failure('Error: Unsupported state or unable to authenticate data'));
    await expect(decrypter.decrypt(message.subarray(0, message.length - 50), key)).rejects.toEqual(failure('Invalid Signature'));
    await expect(decrypter.decrypt(Buffer.from('not an sdk message'), key)).rejects.toEqual(failure('Not a supported message format version.'));
    await expect(decrypter.decrypt(tampered, key)).rejects.toBeInstanceOf(PayloadError);
  });
});
