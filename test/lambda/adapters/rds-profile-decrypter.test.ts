import { randomBytes } from 'node:crypto';
import { AlgorithmSuiteIdentifier } from '@aws-crypto/client-node';
import { EncryptionSdkDecrypter } from '../../../lambda/adapters/encryption-sdk-decrypter';
import { RdsProfileDecrypter } from '../../../lambda/adapters/rds-profile-decrypter';
import type { DataKey } from '../../../lambda/core/transform/ports';
import { readRdsMessageLayout } from '../../../lambda/core/transform/rds-message-layout';
import { sealPayload, SIGNED_SUITE, UNSIGNED_SUITE } from '../../../testkit/das/das-synth';

const newKey = (): DataKey => ({ id: 'k', plaintext: new Uint8Array(randomBytes(32)) });
const seal = (plaintext: Buffer, key: DataKey, suite: AlgorithmSuiteIdentifier = UNSIGNED_SUITE, frameLength = 4096) =>
  sealPayload(plaintext, { plaintext: key.plaintext, blob: '' }, suite, frameLength);

/** The SDK's refusal as the transformer reports it, to compare the fallback's words with. */
const sdkRefusal = async (message: Uint8Array, key: DataKey): Promise<string> =>
  new EncryptionSdkDecrypter().decrypt(message, key).then(
    () => 'opened',
    (error: Error) => error.message,
  );

describe('RdsProfileDecrypter', () => {
  it.each([
    ['unsigned 0x0178', UNSIGNED_SUITE, 4096],
    ['signed 0x0378', SIGNED_SUITE, 262144],
  ])('opens %s messages itself: empty, one frame, an exact multiple of the frame length (0-length final frame), many frames', async (_name, suite, frameLength) => {
    const decrypter = new RdsProfileDecrypter();
    const key = newKey();
    for (const size of [0, 1, frameLength, 2 * frameLength, 2 * frameLength + 1]) {
      const plaintext = randomBytes(size);
      expect((await decrypter.decrypt(await seal(plaintext, key, suite, frameLength), key)).equals(plaintext)).toBe(true);
    }
    expect(decrypter.counts).toEqual({ fast: 5, fallback: 0 });
  });

  it('verifies signatures whatever their DER length (r or s with a leading zero byte, or shorter)', async () => {
    const decrypter = new RdsProfileDecrypter();
    const key = newKey();
    const lengths = new Set<number>();
    for (let attempt = 0; attempt < 60 && lengths.size < 2; attempt++) {
      const message = await seal(Buffer.from(`signed ${attempt}`), key, SIGNED_SUITE, 262144);
      const layout = readRdsMessageLayout(message, 10 * 1024 * 1024);
      lengths.add(layout?.signer?.signature.byteLength ?? 0);
      expect(decrypter.open(message, key)?.toString()).toBe(`signed ${attempt}`);
    }
    expect(lengths.size).toBe(2);
  });

  it('leaves trailing bytes after an unsigned message to the SDK, which ignores them', async () => {
    const decrypter = new RdsProfileDecrypter();
    const key = newKey();
    const message = Buffer.concat([await seal(Buffer.from('payload'), key), Buffer.from('trailing')]);
    expect(decrypter.open(message, key)).toBeUndefined();
    expect(String(await decrypter.decrypt(message, key))).toBe('payload');
    expect(decrypter.counts).toEqual({ fast: 0, fallback: 1 });
  });

  it.each([
    ['a bit flipped in a frame', (message: Buffer) => flip(message, message.length - 150)],
    ['a bit flipped in the header tag', (message: Buffer) => flip(message, readRdsMessageLayout(message, 1 << 30)!.headerLength + 20)],
    ['the signature cut', (message: Buffer) => message.subarray(0, message.length - 1)],
    ['the last frame dropped', (message: Buffer) => message.subarray(0, readRdsMessageLayout(message, 1 << 30)!.frames.at(-2)!.start + 4096 + 16)],
    ['trailing bytes after a signed message', (message: Buffer) => Buffer.concat([message, Buffer.from([0])])],
    ['not an SDK message at all', () => Buffer.from('not an sdk message')],
  ])('fails a message with %s exactly as the SDK does, with its reason', async (_name, damage) => {
    const key = newKey();
    const damaged = damage(await seal(randomBytes(10_000), key, SIGNED_SUITE, 4096));
    const decrypter = new RdsProfileDecrypter();
    const refusal = await sdkRefusal(damaged, key);
    expect(refusal).toMatch(/^databaseActivityEvents could not be decrypted: /);
    await expect(decrypter.decrypt(damaged, key)).rejects.toEqual(expect.objectContaining({ name: 'PayloadError', message: refusal }));
    expect(decrypter.counts).toEqual({ fast: 0, fallback: 1 });
  });

  it('fails a message sealed under another data key with the SDK\'s reason', async () => {
    const message = await seal(Buffer.from('x'), newKey());
    await expect(new RdsProfileDecrypter().decrypt(message, newKey())).rejects.toThrow('unencryptedDataKey has not been set');
  });

  it('still opens a suite RDS does not use today, through the SDK', async () => {
    const key = newKey();
    const suite = AlgorithmSuiteIdentifier.ALG_AES128_GCM_IV12_TAG16_HKDF_SHA256_ECDSA_P256; // 0x0214
    const message = await seal(Buffer.from('another suite'), key, suite, 4096);
    const decrypter = new RdsProfileDecrypter();
    expect(String(await decrypter.decrypt(message, key))).toBe('another suite');
    expect(decrypter.counts).toEqual({ fast: 0, fallback: 1 });
  });

  it('keeps the SDK\'s maxBodySize: a frame longer than it is refused with the SDK\'s reason', async () => {
    const key = newKey();
    const message = await seal(randomBytes(5000), key, UNSIGNED_SUITE, 4096);
    await expect(new RdsProfileDecrypter({ maxBodySize: 4095 }).decrypt(message, key)).rejects.toThrow('maxBodySize exceeded.');
    expect((await new RdsProfileDecrypter({ maxBodySize: 4096 }).decrypt(message, key)).length).toBe(5000);
  });

  it('leaves the caller\'s data key untouched and opens many messages with it', async () => {
    const decrypter = new RdsProfileDecrypter();
    const key = newKey();
    const before = Buffer.from(key.plaintext);
    const messages = await Promise.all([UNSIGNED_SUITE, SIGNED_SUITE, UNSIGNED_SUITE].map((suite, n) => seal(Buffer.from(`payload ${n}`), key, suite)));
    const opened = await Promise.all(messages.map((message) => decrypter.decrypt(message, key)));
    expect(opened.map(String)).toEqual(['payload 0', 'payload 1', 'payload 2']);
    expect(Buffer.from(key.plaintext).equals(before)).toBe(true);
    expect(decrypter.counts.fast).toBe(3);
  });
});

function flip(message: Buffer, at: number): Buffer {
  const copy = Buffer.from(message);
  copy[at]! ^= 0x01;
  return copy;
}
