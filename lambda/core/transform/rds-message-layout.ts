/**
 * The one narrow layout of an AWS Encryption SDK message that RDS writes for Database Activity
 * Streams, read without any cryptography: where every field, frame and tag sits. The fast-path
 * decrypter (`adapters/rds-profile-decrypter.ts`) checks the tags and the signature on top of this.
 *
 * It answers `undefined` for anything it is not sure the SDK would read the same way: any other
 * format version, suite, key provider, encryption context, content type, or any byte out of place.
 * That is never an error here, only "not this profile": the Encryption SDK then decides, with its
 * own reason. Sources: aws-encryption-sdk-specification `data-format/message-header.md`,
 * `message-body.md`, `message-footer.md`, `framework/raw-aes-keyring.md`, checked against
 * @aws-crypto/serialize 5.0.2 (`deserialize_header_v1`, `decode_body_header`, `signature_info`).
 */

/** How RDS wraps each message's data key: a raw AES keyring with this namespace and name. */
export const DAS_KEY_NAMESPACE = 'BC';
export const DAS_KEY_NAME = 'DataKey';

/** AES-256-GCM, HKDF-SHA256, unsigned (Aurora PostgreSQL). */
export const SUITE_HKDF_SHA256 = 0x0178;
/** AES-256-GCM, HKDF-SHA384, ECDSA P-384 over SHA-384 (Aurora MySQL). */
export const SUITE_HKDF_SHA384_ECDSA_P384 = 0x0378;

/** The encryption context key under which the SDK stores a signed message's public key. */
export const PUBLIC_KEY_CONTEXT_KEY = 'aws-crypto-public-key';

const IV_BYTES = 12;
const TAG_BYTES = 16;
const DATA_KEY_BYTES = 32;
const MESSAGE_ID_BYTES = 16;
const FRAMED = 2;
const FINAL_FRAME_MARK = 0xffffffff;
/** A compressed P-384 point: 0x02 or 0x03, then the 48-byte x coordinate. */
const COMPRESSED_P384_BYTES = 49;

/** One frame of the body: where its ciphertext and tag are, and what its additional data says. */
export interface FrameLayout {
  readonly sequenceNumber: number;
  readonly final: boolean;
  readonly iv: Uint8Array;
  /** Offset of the ciphertext in the message. */
  readonly start: number;
  readonly length: number;
  readonly tag: Uint8Array;
}

export interface RdsMessageLayout {
  readonly suiteId: typeof SUITE_HKDF_SHA256 | typeof SUITE_HKDF_SHA384_ECDSA_P384;
  readonly messageId: Uint8Array;
  /**
   * The encryption context as the header holds it, without its 2-byte length: the raw AES keyring's
   * additional data (empty for the unsigned suite). Only a context whose bytes are the SDK's own
   * serialization of it is accepted, so these bytes are what the SDK's keyring would use.
   */
  readonly keyringAad: Uint8Array;
  /** The wrapped data key: AES-256-GCM under the DAS data key. */
  readonly wrappedKey: { readonly iv: Uint8Array; readonly ciphertext: Uint8Array; readonly tag: Uint8Array };
  /** The header the header tag authenticates (everything before the header IV). */
  readonly headerLength: number;
  readonly headerIv: Uint8Array;
  readonly headerTag: Uint8Array;
  readonly frames: readonly FrameLayout[];
  /** Plaintext bytes, the sum of the frames' lengths. */
  readonly plaintextLength: number;
  /** Where the body ends: the signature covers everything before it. */
  readonly bodyEnd: number;
  /** The signed suite's compressed public key and DER signature. */
  readonly signer?: { readonly publicKey: Uint8Array; readonly signature: Uint8Array };
}

/** Thrown inside the reader only; never escapes `readRdsMessageLayout`. */
class NotProfileError extends Error {
  override readonly name = 'NotProfileError';
}

/**
 * Reads the layout of `message` if it is exactly the RDS profile: format version 1, type 0x80, suite
 * 0x0178 with an empty encryption context or 0x0378 with only `aws-crypto-public-key`, exactly one
 * encrypted data key from `BC`/`DataKey` wrapped with AES-256-GCM (IV 12, tag 16, 32-byte key),
 * framed content with a frame length of 1 to `maxFrameBytes`, frames numbered from 1 and a final
 * frame, then nothing (unsigned) or exactly one signature footer (signed).
 *
 * `maxFrameBytes` is the SDK's `maxBodySize`, which the SDK applies to each frame's content length:
 * a frame length above it is left to the SDK, which refuses it.
 *
 * @returns the layout, or `undefined` when the message is anything else (the SDK decides then).
 */
export function readRdsMessageLayout(message: Uint8Array, maxFrameBytes: number): RdsMessageLayout | undefined {
  try {
    return read(message, maxFrameBytes);
  } catch (error) {
    if (error instanceof NotProfileError || error instanceof RangeError) return undefined;
    throw error;
  }
}

function read(message: Uint8Array, maxFrameBytes: number): RdsMessageLayout {
  const view = new DataView(message.buffer, message.byteOffset, message.byteLength);
  let pos = 0;
  const need = (bytes: number): void => {
    if (pos + bytes > message.byteLength) throw new NotProfileError();
  };
  const u8 = (): number => {
    need(1);
    return view.getUint8(pos++);
  };
  const u16 = (): number => {
    need(2);
    const value = view.getUint16(pos);
    pos += 2;
    return value;
  };
  const u32 = (): number => {
    need(4);
    const value = view.getUint32(pos);
    pos += 4;
    return value;
  };
  const bytes = (length: number): Uint8Array => {
    need(length);
    const slice = message.subarray(pos, pos + length);
    pos += length;
    return slice;
  };
  const expect = (condition: boolean): void => {
    if (!condition) throw new NotProfileError();
  };
  const expectAscii = (field: Uint8Array, text: string): void => {
    expect(field.byteLength === text.length && Buffer.from(field).toString('latin1') === text);
  };

  expect(u8() === 1); // message format version 1
  expect(u8() === 0x80); // customer authenticated encrypted data
  const suiteId = u16();
  expect(suiteId === SUITE_HKDF_SHA256 || suiteId === SUITE_HKDF_SHA384_ECDSA_P384);
  const signed = suiteId === SUITE_HKDF_SHA384_ECDSA_P384;
  const messageId = bytes(MESSAGE_ID_BYTES);

  const contextLength = u16();
  const contextStart = pos;
  let publicKey: Uint8Array | undefined;
  if (signed) {
    // Exactly one pair, the public key, in plain ASCII: its bytes are then the SDK's serialization
    // of the context it decodes, so the keyring's additional data is the same bytes either way.
    expect(u16() === 1);
    expectAscii(bytes(u16()), PUBLIC_KEY_CONTEXT_KEY);
    publicKey = decodePublicKey(bytes(u16()));
    expect(publicKey !== undefined);
  }
  // The unsigned suite must carry no context at all (RDS sends none; the SDK refuses a public key
  // there, and a non-empty context would need its serialization checked).
  expect(pos - contextStart === contextLength);
  const keyringAad = message.subarray(contextStart, pos);

  expect(u16() === 1); // exactly one encrypted data key (the SDK runs with maxEncryptedDataKeys 1)
  expectAscii(bytes(u16()), DAS_KEY_NAMESPACE);
  const providerInfo = bytes(u16());
  expect(providerInfo.byteLength === DAS_KEY_NAME.length + 4 + 4 + IV_BYTES);
  expectAscii(providerInfo.subarray(0, DAS_KEY_NAME.length), DAS_KEY_NAME);
  const infoView = new DataView(providerInfo.buffer, providerInfo.byteOffset + DAS_KEY_NAME.length, 8);
  expect(infoView.getUint32(0) === TAG_BYTES * 8 && infoView.getUint32(4) === IV_BYTES);
  const wrappedIv = providerInfo.subarray(DAS_KEY_NAME.length + 8);
  const wrapped = bytes(u16());
  expect(wrapped.byteLength === DATA_KEY_BYTES + TAG_BYTES);

  expect(u8() === FRAMED);
  expect(u32() === 0); // reserved
  expect(u8() === IV_BYTES);
  const frameLength = u32();
  expect(frameLength >= 1 && frameLength <= maxFrameBytes);
  const headerLength = pos;
  const headerIv = bytes(IV_BYTES);
  const headerTag = bytes(TAG_BYTES);

  const frames: FrameLayout[] = [];
  let plaintextLength = 0;
  for (let sequenceNumber = 1; ; sequenceNumber++) {
    const mark = u32();
    const final = mark === FINAL_FRAME_MARK;
    // The SDK counts frames itself and refuses any other number, the final frame's included.
    expect((final ? u32() : mark) === sequenceNumber);
    const iv = bytes(IV_BYTES);
    const length = final ? u32() : frameLength;
    expect(length <= frameLength);
    const start = pos;
    need(length);
    pos += length;
    const tag = bytes(TAG_BYTES);
    frames.push({ sequenceNumber, final, iv, start, length, tag });
    plaintextLength += length;
    if (final) break;
  }
  const bodyEnd = pos;

  if (!signed) {
    // The SDK ignores bytes after an unsigned message's final frame; what it accepts that way is not
    // what RDS writes, so it is left to the SDK rather than second-guessed.
    expect(pos === message.byteLength);
    return base();
  }
  const signatureLength = u16();
  expect(signatureLength > 0 && pos + signatureLength === message.byteLength);
  const signature = bytes(signatureLength);
  return { ...base(), signer: { publicKey: publicKey as Uint8Array, signature } };

  function base(): RdsMessageLayout {
    return {
      suiteId: suiteId as RdsMessageLayout['suiteId'],
      messageId,
      keyringAad,
      wrappedKey: { iv: wrappedIv, ciphertext: wrapped.subarray(0, DATA_KEY_BYTES), tag: wrapped.subarray(DATA_KEY_BYTES) },
      headerLength,
      headerIv,
      headerTag,
      frames,
      plaintextLength,
      bodyEnd,
    };
  }
}

/**
 * The public key as the SDK reads it (`Buffer.from(value, 'base64')`), accepted only when the text is
 * the canonical base64 of a compressed point: the SDK's decoder is lenient about stray characters, so
 * only text that decodes one way is read here.
 */
function decodePublicKey(value: Uint8Array): Uint8Array | undefined {
  const text = Buffer.from(value).toString('latin1');
  const point = Buffer.from(text, 'base64');
  if (point.toString('base64') !== text) return undefined;
  if (point.byteLength !== COMPRESSED_P384_BYTES || (point[0] !== 0x02 && point[0] !== 0x03)) return undefined;
  return point;
}
