import { createCipheriv, generateKeyPairSync, hkdfSync, sign } from 'node:crypto';
import { EncryptionSdkDecrypter } from '../../lambda/adapters/encryption-sdk-decrypter';
import { RdsProfileDecrypter } from '../../lambda/adapters/rds-profile-decrypter';
import type { DataKey } from '../../lambda/core/transform/ports';
import { readRdsMessageLayout, type RdsMessageLayout } from '../../lambda/core/transform/rds-message-layout';
import { sealPayload, SIGNED_SUITE, UNSIGNED_SUITE } from '../../testkit/das/das-synth';
import { seededRandom, type Random } from '../../testkit/das/seeded-random';

/**
 * The differential check of the decryption fast path (issue 13): messages the Encryption SDK itself
 * encrypted, and mutations of them, each opened by the fast path and by the SDK. The one property that
 * matters: **whenever the fast path accepts, the SDK accepts with identical plaintext**. Everything the
 * fast path refuses goes to the SDK in production, so a refusal is never wrong, only slower; the run also
 * counts how often the fast path opens valid messages (it should open all of them).
 *
 * The SDK picks message IDs, data-key IVs and signing keys at random, so a run is repeatable from its
 * seed in what it generates and mutates, not byte for byte; every violation therefore carries the
 * message, the mutant and the data key in hex, which reproduce it exactly.
 */

export interface DifferentialOptions {
  /** Valid messages to encrypt and open. */
  readonly messages: number;
  /** Mutants to open, drawn from the most recent valid messages. */
  readonly mutations: number;
  /**
   * Messages built here with the data key, valid tags and odd layouts the SDK's encrypt never writes
   * (random IVs, a full-length final frame, frames numbered from 0, a final frame longer than the frame
   * length, extra context pairs, trailing bytes): what only someone holding the key could send.
   * @default a fifth of `messages`
   */
  readonly crafted?: number;
  readonly seed: number;
  /** The largest plaintext generated; the size mix scales down with it. @default 600 KiB */
  readonly maxPlaintextBytes?: number;
  /** The fast path under test. @default a new RdsProfileDecrypter's `open` */
  readonly open?: (message: Uint8Array, key: DataKey) => Buffer | undefined;
  readonly progress?: (done: number, total: number) => void;
}

/** Counts for one kind of message or mutation. */
export interface Tally {
  total: number;
  /** The fast path returned plaintext. */
  fastAccepted: number;
  /** The SDK returned plaintext. */
  sdkAccepted: number;
}

export interface Violation {
  readonly kind: string;
  readonly problem: string;
  /** Reproduction: the original message, the mutant and the data key, hex. */
  readonly original: string;
  readonly mutant: string;
  readonly key: string;
}

export interface DifferentialReport {
  readonly seed: number;
  readonly messages: Tally & { readonly bySuite: Record<string, Tally>; readonly byFrameLength: Record<string, Tally>; readonly multiFrame: number; readonly plaintextBytes: { readonly min: number; readonly max: number; readonly total: number } };
  readonly mutations: Tally & { readonly byKind: Record<string, Tally> };
  readonly crafted: Tally & { readonly byKind: Record<string, Tally> };
  readonly violations: readonly Violation[];
  readonly seconds: number;
}

const FRAME_LENGTHS = [4096, 262144] as const;
const SUITES = [UNSIGNED_SUITE, SIGNED_SUITE] as const;
/** Valid messages kept to draw mutants from (and donors for frames swapped between messages). */
const POOL = 48;

interface Sample {
  readonly message: Buffer;
  readonly plaintext: Buffer;
  readonly key: DataKey;
  readonly keyIndex: number;
  readonly layout: RdsMessageLayout;
}

export async function runDifferential(options: DifferentialOptions): Promise<DifferentialReport> {
  const started = Date.now();
  const random = seededRandom(options.seed);
  const maxPlaintext = options.maxPlaintextBytes ?? 600 * 1024;
  const keys: DataKey[] = [0, 1, 2].map((index) => ({ id: `key-${index}`, plaintext: new Uint8Array(stream(random, 32)) }));
  const open = options.open ?? ((decrypter) => (message: Uint8Array, key: DataKey) => decrypter.open(message, key))(new RdsProfileDecrypter());
  const sdk = new EncryptionSdkDecrypter();
  const sdkOpen = async (message: Uint8Array, key: DataKey): Promise<Buffer | undefined> => sdk.decrypt(message, key).catch(() => undefined);

  const tally = (): Tally => ({ total: 0, fastAccepted: 0, sdkAccepted: 0 });
  const messages = { ...tally(), bySuite: {} as Record<string, Tally>, byFrameLength: {} as Record<string, Tally>, multiFrame: 0, plaintextBytes: { min: Infinity, max: 0, total: 0 } };
  const mutations = { ...tally(), byKind: {} as Record<string, Tally> };
  const crafted = { ...tally(), byKind: {} as Record<string, Tally> };
  const craftedCount = options.crafted ?? Math.floor(options.messages / 5);
  const violations: Violation[] = [];
  const pool: Sample[] = [];
  const total = options.messages + options.mutations + craftedCount;
  let done = 0;

  const judge = async (kind: string, bucket: Tally[], original: Buffer, candidate: Buffer, key: DataKey, expected?: Buffer): Promise<void> => {
    let fast: Buffer | undefined;
    let threw: unknown;
    try {
      fast = open(candidate, key);
    } catch (error) {
      threw = error;
    }
    const sdkPlaintext = await sdkOpen(candidate, key);
    for (const counts of bucket) {
      counts.total++;
      if (fast) counts.fastAccepted++;
      if (sdkPlaintext) counts.sdkAccepted++;
    }
    const problems: string[] = [];
    if (threw !== undefined) problems.push(`the fast path threw (${threw instanceof Error ? threw.name : typeof threw}) instead of leaving the message to the SDK`);
    if (fast && !sdkPlaintext) problems.push('the fast path accepted what the SDK refuses');
    if (fast && sdkPlaintext && !fast.equals(sdkPlaintext)) problems.push('the fast path returned other bytes than the SDK');
    if (expected && !sdkPlaintext?.equals(expected)) problems.push('the SDK did not return the plaintext it encrypted (harness fault)');
    if (problems.length > 0) {
      violations.push({ kind, problem: problems.join('; '), original: original.toString('hex'), mutant: candidate.toString('hex'), key: Buffer.from(key.plaintext).toString('hex') });
    }
  };

  for (let index = 0; index < options.messages; index++) {
    const suite = SUITES[below(random, 2)] as (typeof SUITES)[number];
    const frameLength = FRAME_LENGTHS[random() < 0.6 ? 0 : 1] as number;
    const size = plaintextSize(random, frameLength, maxPlaintext);
    const plaintext = stream(random, size);
    const keyIndex = below(random, keys.length);
    const key = keys[keyIndex] as DataKey;
    const message = await sealPayload(plaintext, { plaintext: key.plaintext, blob: '' }, suite, frameLength);
    const suiteName = `0x${suite.toString(16).padStart(4, '0')}`;
    messages.bySuite[suiteName] ??= tally();
    messages.byFrameLength[frameLength] ??= tally();
    await judge(`valid ${suiteName}`, [messages, messages.bySuite[suiteName], messages.byFrameLength[frameLength]], message, message, key, plaintext);
    if (size > frameLength) messages.multiFrame++;
    messages.plaintextBytes.min = Math.min(messages.plaintextBytes.min, size);
    messages.plaintextBytes.max = Math.max(messages.plaintextBytes.max, size);
    messages.plaintextBytes.total += size;
    const layout = readRdsMessageLayout(message, 10 * 1024 * 1024);
    if (layout) {
      pool.push({ message, plaintext, key, keyIndex, layout });
      if (pool.length > POOL) pool.shift();
    }
    options.progress?.(++done, total);

    const due = Math.floor(((index + 1) * options.mutations) / options.messages) - Math.floor((index * options.mutations) / options.messages);
    for (let count = 0; count < due && pool.length > 0; count++) {
      const sampleAt = below(random, pool.length);
      const sample = pool[sampleAt] as Sample;
      // Another message when there is one: a donor that is the sample itself would mutate nothing.
      const donor = pool[(sampleAt + 1 + below(random, Math.max(1, pool.length - 1))) % pool.length] as Sample;
      let mutant = mutate(random, sample, donor, keys);
      // A draw that changes nothing (an edit to the same value) is drawn again: it would count an
      // unchanged message as an accepted mutant.
      for (let retry = 0; retry < 8 && mutant.key === sample.key && mutant.bytes.equals(sample.message); retry++) {
        mutant = mutate(random, sample, donor, keys);
      }
      const { kind, bytes, key } = mutant;
      mutations.byKind[kind] ??= tally();
      await judge(kind, [mutations, mutations.byKind[kind]], sample.message, bytes, key);
      options.progress?.(++done, total);
    }
  }
  for (let index = 0; index < craftedCount; index++) {
    const key = keys[below(random, keys.length)] as DataKey;
    const { kind, bytes } = craft(random, key, maxPlaintext);
    crafted.byKind[kind] ??= tally();
    await judge(`crafted: ${kind}`, [crafted, crafted.byKind[kind]], bytes, bytes, key);
    options.progress?.(++done, total);
  }
  if (messages.plaintextBytes.min === Infinity) messages.plaintextBytes.min = 0;
  return { seed: options.seed, messages, mutations, crafted, violations, seconds: (Date.now() - started) / 1000 };
}

const below = (random: Random, n: number): number => Math.floor(random() * n);

/** Deterministic bytes from the seeded generator: AES-CTR under a key drawn from it (fast for 600 KiB). */
function stream(random: Random, length: number): Buffer {
  const seed = Buffer.alloc(48);
  for (let index = 0; index < seed.length; index++) seed[index] = below(random, 256);
  return createCipheriv('aes-256-ctr', seed.subarray(0, 32), seed.subarray(32)).update(Buffer.alloc(length));
}

/**
 * Sizes from 0 to `max`, weighted to what RDS sends (a few KiB) and to the edges that matter: empty,
 * exact multiples of the frame length (a 0-length final frame follows) and one byte either side.
 */
function plaintextSize(random: Random, frameLength: number, max: number): number {
  const roll = random();
  const clamp = (size: number): number => Math.max(0, Math.min(max, size));
  if (roll < 0.06) return 0;
  if (roll < 0.3) return clamp(1 + below(random, 4096));
  if (roll < 0.45) {
    const multiple = frameLength === 4096 ? 1 + below(random, 12) : 1 + below(random, 2);
    return clamp(multiple * frameLength + below(random, 3) - 1);
  }
  if (roll < 0.8) return clamp(4097 + below(random, 60_000));
  if (roll < 0.95) return clamp(65_536 + below(random, 240_000));
  return clamp(300_000 + below(random, Math.max(1, max - 300_000)));
}

const pick = <T>(random: Random, items: readonly T[]): T => items[below(random, items.length)] as T;

/** One mutant: a kind (for the tallies), its bytes, and the data key to open it with. */
function mutate(random: Random, sample: Sample, donor: Sample, keys: readonly DataKey[]): { kind: string; bytes: Buffer; key: DataKey } {
  const { message, layout } = sample;
  const out = (kind: string, bytes: Buffer, key: DataKey = sample.key) => ({ kind, bytes, key });
  const flipAt = (at: number, bit = below(random, 8)): Buffer => {
    const bytes = Buffer.from(message);
    if (at < bytes.length) bytes[at]! ^= 1 << bit;
    return bytes;
  };
  const setAt = (at: number, value: Buffer): Buffer => {
    const bytes = Buffer.from(message);
    value.copy(bytes, at);
    return bytes;
  };
  const u16 = (value: number) => Buffer.from([value >> 8, value & 0xff]);
  const u32 = (value: number) => {
    const bytes = Buffer.alloc(4);
    bytes.writeUInt32BE(value >>> 0);
    return bytes;
  };
  const contextLength = layout.keyringAad.byteLength;
  const edkStart = 22 + contextLength;
  // Offsets of the header fields after the data key, counted back from the header's end.
  const frameLengthAt = layout.headerLength - 4;
  const ivLengthAt = layout.headerLength - 5;
  const reservedAt = layout.headerLength - 9;
  const contentTypeAt = layout.headerLength - 10;
  const frames = layout.frames;
  const frameStart = (index: number): number => (frames[index]!.final ? frames[index]!.start - 24 : frames[index]!.start - 16);
  const frameEnd = (index: number): number => frames[index]!.start + frames[index]!.length + 16;
  const headerAndAuth = message.subarray(0, layout.headerLength + 28);
  const footer = message.subarray(layout.bodyEnd);

  const kind = pick(random, [
    'bit flip anywhere', 'bit flip anywhere', 'bit flip anywhere', 'bit flip in header', 'bit flip in a frame tag',
    'truncate', 'truncate', 'append bytes', 'append bytes',
    'version', 'type', 'suite ID', 'message ID', 'context length', 'context bytes', 'data key count', 'provider ID',
    'provider info', 'wrapped key', 'content type', 'reserved', 'IV length', 'frame length', 'header IV', 'header tag',
    'frames reordered', 'frame dropped', 'frame duplicated', 'frame from another message', 'final frame length',
    'final frame sequence number', 'final frame made a regular frame', 'sequence number',
    'signature edit', 'signature length', 'signature from another message', 'signature non-minimal DER', 'footer removed',
    'other data key',
  ] as const);

  switch (kind) {
    case 'bit flip anywhere':
      return out(kind, flipAt(below(random, message.length)));
    case 'bit flip in header':
      return out(kind, flipAt(below(random, layout.headerLength + 28)));
    case 'bit flip in a frame tag': {
      const frame = pick(random, frames);
      return out(kind, flipAt(frame.start + frame.length + below(random, 16)));
    }
    case 'truncate':
      return out(kind, message.subarray(0, below(random, message.length)));
    case 'append bytes': {
      const extra = Buffer.alloc(1 + below(random, random() < 0.5 ? 4 : 200));
      for (let index = 0; index < extra.length; index++) extra[index] = below(random, 256);
      return out(`${kind} (${layout.signer ? 'signed' : 'unsigned'})`, Buffer.concat([message, extra]));
    }
    case 'version':
      return out(kind, setAt(0, Buffer.from([pick(random, [0, 2, 0x41, below(random, 256)])])));
    case 'type':
      return out(kind, setAt(1, Buffer.from([pick(random, [0, 0x81, 0x59, below(random, 256)])])));
    case 'suite ID':
      return out(kind, setAt(2, u16(pick(random, [0x0178, 0x0378, 0x0014, 0x0046, 0x0078, 0x0114, 0x0146, 0x0214, 0x0346, 0x0478, 0x0578, below(random, 65536)]))));
    case 'message ID':
      return out(kind, flipAt(4 + below(random, 16)));
    case 'context length':
      {
      const edited = contextLength + pick(random, [-2, -1, 1, 2, 100, 0x8000 - contextLength]);
      return out(kind, setAt(20, u16(edited >= 0 && edited !== contextLength ? edited : contextLength + 1)));
    }
    case 'context bytes':
      return contextLength > 0 ? out(kind, flipAt(22 + below(random, contextLength))) : out(kind, setAt(20, u16(2)));
    case 'data key count':
      return out(kind, setAt(edkStart, u16(pick(random, [0, 2, 3, 0xffff]))));
    case 'provider ID':
      return out(kind, setAt(edkStart + 4, Buffer.from(pick(random, ['bc', 'BD', 'aw', 'B\u0000']), 'latin1')));
    case 'provider info': {
      const infoAt = edkStart + 2 + 2 + 2 + 2;
      const offsets = [below(random, 7), 7 + below(random, 4), 11 + below(random, 4), 15 + below(random, 12)];
      return out(kind, flipAt(infoAt + pick(random, offsets)));
    }
    case 'wrapped key':
      return out(kind, flipAt(edkStart + 2 + 2 + 2 + 2 + 27 + 2 + below(random, 48)));
    case 'content type':
      return out(kind, setAt(contentTypeAt, Buffer.from([pick(random, [0, 1, 3])])));
    case 'reserved':
      return out(kind, setAt(reservedAt + below(random, 4), Buffer.from([1 + below(random, 255)])));
    case 'IV length':
      return out(kind, setAt(ivLengthAt, Buffer.from([pick(random, [0, 11, 13, 16])])));
    case 'frame length': {
      const current = message.readUInt32BE(frameLengthAt);
      return out(kind, setAt(frameLengthAt, u32(pick(random, [0, current - 1, current + 1, current === 4096 ? 262144 : 4096, 0xffffffff, 11 * 1024 * 1024]))));
    }
    case 'header IV':
      return out(kind, flipAt(layout.headerLength + below(random, 12)));
    case 'header tag':
      return out(kind, flipAt(layout.headerLength + 12 + below(random, 16)));
    case 'frames reordered': {
      if (frames.length < 3) return out(`${kind} (single frame: bit flip)`, flipAt(below(random, message.length)));
      const a = below(random, frames.length - 1);
      let b = below(random, frames.length - 1);
      if (b === a) b = (a + 1) % (frames.length - 1);
      const parts = frames.map((_, index) => message.subarray(frameStart(index), frameEnd(index)));
      [parts[a], parts[b]] = [parts[b]!, parts[a]!];
      return out(kind, Buffer.concat([headerAndAuth, ...parts, footer]));
    }
    case 'frame dropped': {
      const drop = below(random, frames.length);
      const parts = frames.map((_, index) => message.subarray(frameStart(index), frameEnd(index))).filter((_, index) => index !== drop);
      return out(kind, Buffer.concat([headerAndAuth, ...parts, footer]));
    }
    case 'frame duplicated': {
      const twice = below(random, frames.length);
      const parts = frames.flatMap((_, index) => {
        const part = message.subarray(frameStart(index), frameEnd(index));
        return index === twice ? [part, part] : [part];
      });
      return out(kind, Buffer.concat([headerAndAuth, ...parts, footer]));
    }
    case 'frame from another message': {
      // The same position from another message: same data key when there is one in the pool, so that
      // only the message binding (message ID in the frame's additional data) stands in the way.
      const index = below(random, Math.min(frames.length, donor.layout.frames.length));
      const donorFrames = donor.layout.frames;
      const donorStart = donorFrames[index]!.final ? donorFrames[index]!.start - 24 : donorFrames[index]!.start - 16;
      const donorEnd = donorFrames[index]!.start + donorFrames[index]!.length + 16;
      const parts = frames.map((_, at) => (at === index ? donor.message.subarray(donorStart, donorEnd) : message.subarray(frameStart(at), frameEnd(at))));
      const sameKey = donor.keyIndex === sample.keyIndex ? 'same key' : 'other key';
      return out(`${kind} (${sameKey})`, Buffer.concat([headerAndAuth, ...parts, footer]));
    }
    case 'final frame length': {
      const final = frames[frames.length - 1]!;
      const length = final.length;
      return out(kind, setAt(final.start - 4, u32(pick(random, [length + 1, Math.max(0, length - 1), 0, message.readUInt32BE(frameLengthAt), message.readUInt32BE(frameLengthAt) + 1]))));
    }
    case 'final frame sequence number': {
      const final = frames[frames.length - 1]!;
      return out(kind, setAt(final.start - 20, u32(pick(random, [0, final.sequenceNumber - 1, final.sequenceNumber + 1, 0xffffffff]))));
    }
    case 'final frame made a regular frame': {
      const final = frames[frames.length - 1]!;
      return out(kind, setAt(final.start - 24, u32(final.sequenceNumber)));
    }
    case 'sequence number': {
      const index = below(random, frames.length);
      const at = frames[index]!.final ? frames[index]!.start - 20 : frames[index]!.start - 16;
      return out(kind, setAt(at, u32(pick(random, [0, index, index + 2, 0xfffffffe]))));
    }
    case 'signature edit':
      return footer.length > 2 ? out(kind, flipAt(layout.bodyEnd + 2 + below(random, footer.length - 2))) : out(`${kind} (unsigned: append)`, Buffer.concat([message, Buffer.from([0, 1, 0])]));
    case 'signature length':
      return footer.length > 2
        ? out(kind, setAt(layout.bodyEnd, u16(pick(random, [0, footer.length - 3, footer.length - 1, 0xffff]))))
        : out(`${kind} (unsigned: truncate)`, message.subarray(0, message.length - 1));
    case 'signature from another message': {
      // A signed donor's footer: a valid signature by another key (signed), or a footer where none belongs (unsigned).
      const donorFooter = donor.layout.signer ? donor.message.subarray(donor.layout.bodyEnd) : Buffer.from([0, 2, 0x30, 0]);
      return layout.signer
        ? out(kind, Buffer.concat([message.subarray(0, layout.bodyEnd), donorFooter]))
        : out(`${kind} (unsigned: footer appended)`, Buffer.concat([message, donorFooter]));
    }
    case 'signature non-minimal DER': {
      if (!layout.signer) return out(`${kind} (unsigned: header tag)`, flipAt(layout.headerLength + 12));
      const der = Buffer.from(layout.signer.signature);
      // SEQUENCE { INTEGER r, INTEGER s }: give r a redundant leading zero, lengths adjusted.
      const rLength = der[3]!;
      const widened = Buffer.concat([Buffer.from([0x30, der[1]! + 1, 0x02, rLength + 1, 0x00]), der.subarray(4)]);
      return out(kind, Buffer.concat([message.subarray(0, layout.bodyEnd), u16(widened.length), widened]));
    }
    case 'footer removed':
      return layout.signer
        ? out(kind, message.subarray(0, layout.bodyEnd - (random() < 0.5 ? 0 : 1)))
        : out(`${kind} (unsigned: final tag cut)`, message.subarray(0, layout.bodyEnd - 1 - below(random, 16)));
    case 'other data key': {
      const other = keys[(sample.keyIndex + 1 + below(random, keys.length - 1)) % keys.length] as DataKey;
      return out(kind, Buffer.from(message), other);
    }
  }
}

const FRAME_LABEL = Buffer.from('AWSKMSEncryptionClient Frame');
const FINAL_LABEL = Buffer.from('AWSKMSEncryptionClient Final Frame');
const PUBLIC_KEY = 'aws-crypto-public-key';

/**
 * A message encrypted here, with every tag (and the signature) valid under `key`, in one of the odd
 * layouts the format allows or nearly allows. Some the SDK opens (the fast path must then give the same
 * bytes or leave them to the SDK), some it refuses although every tag is right (the fast path must
 * refuse them too).
 */
function craft(random: Random, key: DataKey, maxPlaintext: number): { kind: string; bytes: Buffer } {
  const frameLength = pick(random, FRAME_LENGTHS);
  const variant = pick(random, [
    'random IVs', 'full-length final frame', 'frames numbered from 0', 'frames numbered from 2', 'final frame over the frame length',
    'extra context pair', 'public key on the unsigned suite', 'trailing bytes', 'short data key', 'empty unsigned context written as 0 pairs',
  ] as const);
  // Two variants are about the unsigned suite's context; the others come in both suites.
  const signed = variant !== 'public key on the unsigned suite' && variant !== 'empty unsigned context written as 0 pairs' && random() < 0.5;
  const suite = signed ? SIGNED_SUITE : UNSIGNED_SUITE;
  const size = variant === 'final frame over the frame length' ? frameLength + 1 + below(random, 10) : variant === 'full-length final frame' ? frameLength * (1 + below(random, frameLength === 4096 ? 4 : 1)) : plaintextSize(random, frameLength, Math.min(maxPlaintext, 100_000));
  const plaintext = stream(random, size);
  const messageId = stream(random, 16);
  const dataKey = stream(random, variant === 'short data key' ? 16 : 32);
  const u16 = (value: number) => Buffer.from([value >> 8, value & 0xff]);
  const u32 = (value: number) => {
    const bytes = Buffer.alloc(4);
    bytes.writeUInt32BE(value >>> 0);
    return bytes;
  };
  const u64 = (value: number) => {
    const bytes = Buffer.alloc(8);
    bytes.writeBigUInt64BE(BigInt(value));
    return bytes;
  };
  const field = (bytes: Buffer) => Buffer.concat([u16(bytes.length), bytes]);
  const gcm = (cipherKey: Uint8Array, iv: Buffer, aad: Buffer, data: Buffer) => {
    const cipher = createCipheriv('aes-256-gcm', cipherKey, iv).setAAD(aad);
    const ciphertext = Buffer.concat([cipher.update(data), cipher.final()]);
    return { ciphertext, tag: cipher.getAuthTag() };
  };

  const signer = signed || variant === 'public key on the unsigned suite' ? generateKeyPairSync('ec', { namedCurve: 'secp384r1' }) : undefined;
  const pairs: Array<[string, string]> = [];
  if (signer) {
    const point = signer.publicKey.export({ format: 'der', type: 'spki' }).subarray(-97);
    const compressed = Buffer.concat([Buffer.from([2 + (point[96]! & 1)]), point.subarray(1, 49)]);
    pairs.push([PUBLIC_KEY, compressed.toString('base64')]);
  }
  if (variant === 'extra context pair') pairs.push(['aurora-extra', 'x']);
  pairs.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const context = pairs.length > 0 || variant === 'empty unsigned context written as 0 pairs'
    ? Buffer.concat([u16(pairs.length), ...pairs.flatMap(([name, value]) => [field(Buffer.from(name)), field(Buffer.from(value))])])
    : Buffer.alloc(0);

  const wrapIv = stream(random, 12);
  const wrapped = gcm(key.plaintext, wrapIv, context, dataKey);
  const header = Buffer.concat([
    Buffer.from([1, 0x80]), u16(suite), messageId, field(context),
    u16(1), field(Buffer.from('BC')), field(Buffer.concat([Buffer.from('DataKey'), u32(128), u32(12), wrapIv])),
    field(Buffer.concat([wrapped.ciphertext, wrapped.tag])),
    Buffer.from([2]), u32(0), Buffer.from([12]), u32(frameLength),
  ]);
  const derived = new Uint8Array(hkdfSync(signed ? 'sha384' : 'sha256', dataKey.length === 32 ? dataKey : Buffer.concat([dataKey, dataKey]), Buffer.alloc(0), Buffer.concat([u16(suite), messageId]), 32));
  const randomIvs = variant === 'random IVs';
  const headerIv = randomIvs ? stream(random, 12) : Buffer.alloc(12);
  const headerAuth = gcm(derived, headerIv, header, Buffer.alloc(0));

  const chunks: Buffer[] = [];
  for (let at = 0; at < plaintext.length; at += frameLength) chunks.push(plaintext.subarray(at, at + frameLength));
  let finalChunk: Buffer;
  if (variant === 'final frame over the frame length') {
    finalChunk = plaintext.subarray(0, frameLength + 1);
    chunks.length = 0;
  } else if (variant === 'full-length final frame' && chunks.length > 0 && (chunks[chunks.length - 1] as Buffer).length === frameLength) {
    finalChunk = chunks.pop() as Buffer;
  } else if (chunks.length > 0 && (chunks[chunks.length - 1] as Buffer).length < frameLength) {
    finalChunk = chunks.pop() as Buffer;
  } else {
    finalChunk = Buffer.alloc(0);
  }
  const firstSequence = variant === 'frames numbered from 0' ? 0 : variant === 'frames numbered from 2' ? 2 : 1;
  const frameIv = (sequence: number) => (randomIvs ? stream(random, 12) : Buffer.concat([Buffer.alloc(8), u32(sequence)]));
  const body: Buffer[] = [];
  chunks.forEach((chunk, index) => {
    const sequence = firstSequence + index;
    const iv = frameIv(sequence);
    const sealed = gcm(derived, iv, Buffer.concat([messageId, FRAME_LABEL, u32(sequence), u64(chunk.length)]), chunk);
    body.push(u32(sequence), iv, sealed.ciphertext, sealed.tag);
  });
  const finalSequence = firstSequence + chunks.length;
  const finalIv = frameIv(finalSequence);
  const sealed = gcm(derived, finalIv, Buffer.concat([messageId, FINAL_LABEL, u32(finalSequence), u64(finalChunk.length)]), finalChunk);
  body.push(u32(0xffffffff), u32(finalSequence), finalIv, u32(finalChunk.length), sealed.ciphertext, sealed.tag);

  let message = Buffer.concat([header, headerIv, headerAuth.tag, ...body]);
  if (signed && signer) {
    const signature = sign('sha384', message, signer.privateKey);
    message = Buffer.concat([message, u16(signature.length), signature]);
  }
  if (variant === 'trailing bytes') message = Buffer.concat([message, stream(random, 1 + below(random, 40))]);
  return { kind: `${variant} (${signed ? 'signed' : 'unsigned'})`, bytes: message };
}
