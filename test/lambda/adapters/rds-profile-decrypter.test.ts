import { randomBytes } from 'node:crypto';
import { AlgorithmSuiteIdentifier } from '@aws-crypto/client-node';
import { EncryptionSdkDecrypter } from '../../../lambda/adapters/encryption-sdk-decrypter';
import { RdsProfileDecrypter } from '../../../lambda/adapters/rds-profile-decrypter';
import type { DataKey } from '../../../lambda/core/ports';
import { readRdsMessageLayout } from '../../../lambda/core/rds-message-layout';
import { sealPayload, SIGNED_SUITE, UNSIGNED_SUITE } from '../../../testkit/das/das-synth';
import { runDifferential } from '../../../tools/fuzz/differential';

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
  it('accepts only what the SDK accepts, with the same bytes: 1,000 messages, 1,000 mutants, 200 crafted with the key', async () => {
    const report = await runDifferential({ messages: 1000, mutations: 1000, crafted: 200, seed: 13, maxPlaintextBytes: 96 * 1024 });
    expect(report.violations).toEqual([]);
    // Every valid message of both suites opens on the fast path, single- and multi-frame.
    expect(report.messages.fastAccepted).toBe(1000);
    expect(Object.values(report.messages.bySuite).map((tally) => tally.fastAccepted)).toEqual([expect.any(Number), expect.any(Number)]);
    expect(report.messages.multiFrame).toBeGreaterThan(100);
    expect(report.mutations.total).toBe(1000);
    // Mutants the SDK opens (trailing bytes after an unsigned message) are left to it, not refused.
    expect(report.mutations.sdkAccepted).toBeGreaterThan(0);
    // Odd but valid layouts built with the key (random IVs, a full-length final frame) did reach the
    // identical-bytes check, and those the SDK refuses despite valid tags were refused too.
    expect(report.crafted.byKind['random IVs (signed)']?.fastAccepted).toBeGreaterThan(0);
    expect(report.crafted.byKind['frames numbered from 0 (unsigned)']?.fastAccepted ?? 0).toBe(0);
  });

  it('the differential check catches a fast path that accepts too much or returns other bytes', async () => {
    const real = new RdsProfileDecrypter();
    const lenient = await runDifferential({ messages: 30, mutations: 60, crafted: 0, seed: 5, maxPlaintextBytes: 20_000, open: (message, key) => real.open(message, key) ?? Buffer.alloc(0) });
    expect(lenient.violations.map((violation) => violation.problem)).toContain('the fast path accepted what the SDK refuses');
    const wrong = await runDifferential({
      messages: 5, mutations: 0, crafted: 0, seed: 5, maxPlaintextBytes: 20_000,
      open: (message, key) => {
        const plaintext = real.open(message, key);
        return plaintext ? Buffer.concat([plaintext, Buffer.from('x')]) : undefined;
      },
    });
    expect(wrong.violations.map((violation) => violation.problem)).toContain('the fast path returned other bytes than the SDK');
  });

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
