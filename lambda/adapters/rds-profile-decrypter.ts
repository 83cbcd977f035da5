import { createDecipheriv, createHmac, createPublicKey, createSecretKey, verify as verifySignature, type KeyObject } from 'node:crypto';
import {
  readRdsMessageLayout,
  SUITE_HKDF_SHA256,
  type FrameLayout,
  type RdsMessageLayout,
} from '../core/transform/rds-message-layout';
import type { DataKey, PayloadDecrypter } from '../core/transform/ports';
import { EncryptionSdkDecrypter } from './encryption-sdk-decrypter';

export interface RdsProfileDecrypterOptions {
  /** Largest frame accepted, as the SDK's `maxBodySize` (which it applies per frame). @default 10 MiB */
  readonly maxBodySize?: number;
  /** Decides every message the fast path does not accept. @default an EncryptionSdkDecrypter with the same maxBodySize */
  readonly fallback?: PayloadDecrypter;
}

/** How many messages each path opened: for tests and the benchmark, never content. */
export interface FastPathCounts {
  /** Opened by the fast path: every tag and the signature verified. */
  readonly fast: number;
  /** Handed to the Encryption SDK (not the profile, or a check failed): it opened or refused them. */
  readonly fallback: number;
}

const FRAME_AAD = Buffer.from('AWSKMSEncryptionClient Frame', 'utf8');
const FINAL_FRAME_AAD = Buffer.from('AWSKMSEncryptionClient Final Frame', 'utf8');
/**
 * DER SubjectPublicKeyInfo prefix for an EC key on P-384 (id-ecPublicKey, secp384r1) holding a 49-byte
 * compressed point: OpenSSL then decompresses the point natively. The SDK rebuilds the point with a
 * JavaScript big-number library instead, about 1.5 ms a message.
 */
const P384_COMPRESSED_SPKI_PREFIX = Buffer.from('3046301006072a8648ce3d020106052b81040022033200', 'hex');

/**
 * Opens `databaseActivityEvents` messages of the exact profile RDS writes with `node:crypto` alone, and
 * hands everything else to the Encryption SDK.
 *
 * It only ever accepts: it returns plaintext only when every check the SDK makes has passed (the
 * wrapped data key's tag, the header tag, every frame's tag and number, the final frame, and for the
 * signed suite the ECDSA P-384 signature over header and body). Any other layout, and any failed check,
 * goes to the fallback, so that a malformed record fails with the SDK's own reason and a suite or layout
 * RDS might start using still opens. `npm run differential` checks that whenever it accepts, the SDK
 * accepts with the same bytes.
 */
export class RdsProfileDecrypter implements PayloadDecrypter {
  private readonly maxBodySize: number;
  private readonly fallback: PayloadDecrypter;
  // The wrapping key imported once per data key: a KeyObject keeps it out of the JS heap.
  private readonly wrappingKeys = new WeakMap<DataKey, KeyObject>();
  private fastCount = 0;
  private fallbackCount = 0;

  constructor(options: RdsProfileDecrypterOptions = {}) {
    this.maxBodySize = options.maxBodySize ?? 10 * 1024 * 1024;
    this.fallback = options.fallback ?? new EncryptionSdkDecrypter({ maxBodySize: this.maxBodySize });
  }

  get counts(): FastPathCounts {
    return { fast: this.fastCount, fallback: this.fallbackCount };
  }

  async decrypt(message: Uint8Array, dataKey: DataKey): Promise<Buffer> {
    const plaintext = this.open(message, dataKey);
    if (plaintext) {
      this.fastCount++;
      return plaintext;
    }
    this.fallbackCount++;
    return this.fallback.decrypt(message, dataKey);
  }

  /** The fast path alone: the plaintext, or `undefined` when it does not accept the message. */
  open(message: Uint8Array, dataKey: DataKey): Buffer | undefined {
    try {
      const layout = readRdsMessageLayout(message, this.maxBodySize);
      if (!layout || dataKey.plaintext.byteLength !== 32) return undefined;
      return openLayout(message, layout, this.wrappingKeyFor(dataKey));
    } catch {
      // A failed tag, an unusable public key, a signature that does not verify, and any surprise: all
      // are the SDK's to judge and word (a throw here would fail the whole batch, not this record).
      // Nothing about the failure is kept (it could only echo key-derived state).
      return undefined;
    }
  }

  private wrappingKeyFor(dataKey: DataKey): KeyObject {
    let key = this.wrappingKeys.get(dataKey);
    if (!key) {
      key = createSecretKey(dataKey.plaintext); // copied into the KeyObject: the caller's bytes stay its own
      this.wrappingKeys.set(dataKey, key);
    }
    return key;
  }
}

/** Verifies and decrypts one message of the profile; throws on any failed check. */
function openLayout(message: Uint8Array, layout: RdsMessageLayout, wrappingKey: KeyObject): Buffer {
  // The signature first: it is the one check that needs no key material, and a signed message that
  // fails it is refused by the SDK whatever its tags say.
  if (layout.signer) verifySigner(message, layout);

  const { wrappedKey } = layout;
  const unwrap = createDecipheriv('aes-256-gcm', wrappingKey, wrappedKey.iv);
  unwrap.setAAD(layout.keyringAad);
  unwrap.setAuthTag(wrappedKey.tag);
  // GCM hands out all 32 bytes from update(); final() then checks the tag (and throws, the key is zeroed).
  const dataKey = unwrap.update(wrappedKey.ciphertext);
  let derivedKey: Buffer | undefined;
  try {
    unwrap.final();
    derivedKey = deriveKey(layout, dataKey);

    const messageKey = derivedKey.subarray(0, 32);
    const header = createDecipheriv('aes-256-gcm', messageKey, layout.headerIv);
    header.setAAD(message.subarray(0, layout.headerLength));
    header.setAuthTag(layout.headerTag);
    header.update(Buffer.alloc(0));
    header.final();

    const plaintext = Buffer.allocUnsafe(layout.plaintextLength);
    let written = 0;
    const aad = Buffer.alloc(layout.messageId.byteLength + FINAL_FRAME_AAD.byteLength + 4 + 8);
    try {
      for (const frame of layout.frames) {
        const frameAad = frameAadFor(aad, layout.messageId, frame);
        const decipher = createDecipheriv('aes-256-gcm', messageKey, frame.iv);
        decipher.setAAD(frameAad);
        decipher.setAuthTag(frame.tag);
        written += decipher.update(message.subarray(frame.start, frame.start + frame.length)).copy(plaintext, written);
        written += decipher.final().copy(plaintext, written);
      }
      if (written !== plaintext.byteLength) throw new Error('frame lengths do not add up');
      return plaintext;
    } catch (error) {
      // Frames before a failed tag were decrypted into this buffer: unauthenticated, so not left behind.
      plaintext.fill(0);
      throw error;
    }
  } finally {
    dataKey.fill(0);
    derivedKey?.fill(0);
  }
}

/**
 * HKDF (RFC 5869) with no salt, info = suite ID (2 bytes) + message ID, 32 bytes out: how the SDK's
 * non-committing suites derive the message key (its salt, hash-length zeros, is the same HMAC key as
 * none). Written as its two HMACs because one 32-byte block needs only one expand step, and
 * crypto.hkdfSync costs twice as much for it. Returns the whole last HMAC block (32 or 48 bytes), of
 * which the key is the first 32, so that the caller zeroes all of it.
 */
function deriveKey(layout: RdsMessageLayout, dataKey: Buffer): Buffer {
  const sha256 = layout.suiteId === SUITE_HKDF_SHA256;
  const hash = sha256 ? 'sha256' : 'sha384';
  const pseudoRandomKey = createHmac(hash, sha256 ? NO_SALT_SHA256 : NO_SALT_SHA384).update(dataKey).digest();
  try {
    const suiteId = Buffer.from([layout.suiteId >> 8, layout.suiteId & 0xff]);
    return createHmac(hash, pseudoRandomKey).update(suiteId).update(layout.messageId).update(FIRST_BLOCK).digest();
  } finally {
    pseudoRandomKey.fill(0);
  }
}

const NO_SALT_SHA256 = Buffer.alloc(32);
const NO_SALT_SHA384 = Buffer.alloc(48);
const FIRST_BLOCK = Buffer.from([1]);

/** messageId + body AAD content string + sequence number (4 bytes) + content length (8 bytes). */
function frameAadFor(aad: Buffer, messageId: Uint8Array, frame: FrameLayout): Buffer {
  const label = frame.final ? FINAL_FRAME_AAD : FRAME_AAD;
  aad.set(messageId, 0);
  let pos = messageId.byteLength;
  pos += label.copy(aad, pos);
  pos = aad.writeUInt32BE(frame.sequenceNumber, pos);
  // The 8-byte content length; frames are far below 2^32 bytes, so its high half is zero.
  pos = aad.writeUInt32BE(0, pos);
  pos = aad.writeUInt32BE(frame.length, pos);
  return aad.subarray(0, pos);
}

/** ECDSA P-384 over SHA-384 of everything before the footer; the signature is DER, as the SDK reads it. */
function verifySigner(message: Uint8Array, layout: RdsMessageLayout): void {
  const signer = layout.signer as NonNullable<RdsMessageLayout['signer']>;
  const publicKey = createPublicKey({
    key: Buffer.concat([P384_COMPRESSED_SPKI_PREFIX, signer.publicKey]),
    format: 'der',
    type: 'spki',
  });
  if (!verifySignature('sha384', message.subarray(0, layout.bodyEnd), publicKey, signer.signature)) {
    throw new Error('signature does not verify');
  }
}
