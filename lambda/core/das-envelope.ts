import { EnvelopeError } from '../errors';

/** The JSON RDS puts on the Kinesis stream for each batch of activity. */
export interface DasEnvelope {
  readonly version: unknown;
  /** AWS Encryption SDK message holding the gzipped activity events. */
  readonly encryptedEvents: Buffer;
  /** base64 KMS ciphertext blob of the data key; repeats across consecutive records. */
  readonly encryptedKey: string;
}

const ENVELOPE_TYPE = 'DatabaseActivityMonitoringRecords';
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Parses one Firehose record's base64 `data` as a DAS envelope. Any `version` is accepted:
 * RDS has shipped 1.0 to 1.3 and the format did not change in ways this reads.
 */
export function parseEnvelope(data: string): DasEnvelope {
  const json = decodeBase64(data, 'record data').toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    // The parser's message quotes the input, which may be audit data: keep it out of the reason.
    throw new EnvelopeError('record data is not JSON');
  }
  if (!isObject(parsed)) throw new EnvelopeError('record data is not a JSON object');
  if (parsed.type !== ENVELOPE_TYPE) {
    throw new EnvelopeError(`envelope type is not ${ENVELOPE_TYPE}`);
  }
  const { databaseActivityEvents, key } = parsed;
  if (typeof databaseActivityEvents !== 'string' || databaseActivityEvents.length === 0) {
    throw new EnvelopeError('envelope has no databaseActivityEvents string');
  }
  if (typeof key !== 'string' || key.length === 0) {
    throw new EnvelopeError('envelope has no key string');
  }
  decodeBase64(key, 'envelope key'); // validate early: a bad blob must not cost a KMS call
  return {
    version: parsed.version,
    encryptedEvents: decodeBase64(databaseActivityEvents, 'databaseActivityEvents'),
    encryptedKey: key,
  };
}

function decodeBase64(text: string, what: string): Buffer {
  // Buffer.from(…, 'base64') silently skips invalid characters; a record must not be half-read.
  const compact = text.replace(/\s+/g, '');
  if (compact.length % 4 === 1 || !BASE64.test(compact)) {
    throw new EnvelopeError(`${what} is not base64`);
  }
  return Buffer.from(compact, 'base64');
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
