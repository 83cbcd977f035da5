import { isUtf8 } from 'node:buffer';
import { EnvelopeError } from '../shared/errors';
import { JsonRefusedError, StrictJsonReader, type FieldValue } from '../shared/strict-json';

/** The JSON RDS puts on the Kinesis stream for each batch of activity. */
export interface DasEnvelope {
  readonly version: FieldValue | undefined;
  /** AWS Encryption SDK message holding the gzipped activity events. */
  readonly encryptedEvents: Buffer;
  /** base64 KMS ciphertext blob of the data key; repeats across consecutive records. */
  readonly encryptedKey: string;
}

const ENVELOPE_TYPE = 'DatabaseActivityMonitoringRecords';

/** KMS refuses a CiphertextBlob longer than this (RDS's are 184 bytes). */
export const MAX_KEY_BLOB_BYTES = 6144;
const FIELDS: ReadonlySet<string> = new Set(['type', 'version', 'databaseActivityEvents', 'key']);

/**
 * Parses one Firehose record's base64 `data` as a DAS envelope. Any `version` is accepted: RDS has
 * shipped 1.0 to 1.3 and the format did not change in ways this reads. Unknown fields are allowed; a
 * field given twice is not, since it could name two different keys or payloads.
 */
export function parseEnvelope(data: unknown): DasEnvelope {
  if (typeof data !== 'string') throw new EnvelopeError('record data is not a string');
  const bytes = decodeBase64(data, 'record data');
  if (!isUtf8(bytes)) throw new EnvelopeError('record data is not UTF-8 text');
  const fields = readEnvelopeFields(bytes.toString('utf8'));
  if (fields.get('type') !== ENVELOPE_TYPE) {
    throw new EnvelopeError(`envelope type is not ${ENVELOPE_TYPE}`);
  }
  const databaseActivityEvents = fields.get('databaseActivityEvents');
  const key = fields.get('key');
  if (typeof databaseActivityEvents !== 'string' || databaseActivityEvents.length === 0) {
    throw new EnvelopeError('envelope has no databaseActivityEvents string');
  }
  if (typeof key !== 'string' || key.length === 0) {
    throw new EnvelopeError('envelope has no key string');
  }
  // Validated here: a blob KMS cannot take must not cost a KMS call (nor sit in the data-key cache).
  if (decodeBase64(key, 'envelope key').length > MAX_KEY_BLOB_BYTES) {
    throw new EnvelopeError(`envelope key is longer than the ${MAX_KEY_BLOB_BYTES} bytes a KMS ciphertext blob can be`);
  }
  return {
    version: fields.get('version'),
    encryptedEvents: decodeBase64(databaseActivityEvents, 'databaseActivityEvents'),
    encryptedKey: key,
  };
}

function readEnvelopeFields(text: string): Map<string, FieldValue> {
  const fields = new Map<string, FieldValue>();
  try {
    const reader = new StrictJsonReader(text);
    if (reader.peek() !== 0x7b) {
      reader.skip(1);
      reader.end();
      throw new EnvelopeError('record data is not a JSON object');
    }
    reader.beginObject(1);
    for (let name = reader.nextName(1, true); name !== undefined; name = reader.nextName(1, false)) {
      if (FIELDS.has(name)) fields.set(name, reader.value(2));
      else reader.skip(2);
    }
    reader.end();
  } catch (error) {
    if (error instanceof JsonRefusedError) throw new EnvelopeError(error.describe('record data'));
    throw error;
  }
  return fields;
}

function decodeBase64(text: string, what: string): Buffer {
  // Standard, padded base64 as Firehose and RDS write it. Buffer.from(…, 'base64') skips characters
  // outside the alphabet and stops at a stray '=', so a string that is not clean base64 decodes to fewer
  // bytes than its length promises; comparing the two catches that without a regular expression over a
  // megabyte of text. Node also reads the URL-safe alphabet, which no DAS producer writes.
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const decoded = Buffer.from(text, 'base64');
  if (
    text.length % 4 !== 0 ||
    decoded.length === 0 ||
    decoded.length !== (text.length / 4) * 3 - padding ||
    text.includes('-') ||
    text.includes('_')
  ) {
    throw new EnvelopeError(`${what} is not base64`);
  }
  return decoded;
}
