import { RdsProfileDecrypter } from '../../../lambda/adapters/rds-profile-decrypter';
import { runDifferential } from '../../../tools/fuzz/differential';

/** The slow tier: a slice of `npm run differential`, the decryption fast path against the Encryption SDK. */
describe('the differential check of the fast path against the SDK', () => {
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

});
