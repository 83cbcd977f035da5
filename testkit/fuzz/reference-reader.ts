import { isUtf8 } from 'node:buffer';
import { gunzipSync } from 'node:zlib';
import { buildDecrypt, CommitmentPolicy, RawAesKeyringNode, RawAesWrappingSuiteIdentifier } from '@aws-crypto/client-node';

/**
 * What the transformer should make of one record, worked out from independent parts: a regular
 * expression for base64, `JSON.parse`, the AWS Encryption SDK itself, zlib, and a small recursive
 * checker for the two rules the transformer adds to JSON (no repeated names, at most 64 levels).
 * The fuzz test compares the shipped transformer with it record by record.
 */

export interface ReferenceSettings {
  /** Plaintext data key by the bytes of its KMS blob (hex), as the local KMS would answer. */
  readonly dataKeys: ReadonlyMap<string, Uint8Array>;
  readonly maxDecompressedBytes: number;
  readonly maxEvents: number;
}

/** The lines the record must store (empty: Dropped), or 'fail' for ProcessingFailed. */
export type ReferenceOutcome = string[] | 'fail';

const decryptClient = buildDecrypt({ commitmentPolicy: CommitmentPolicy.REQUIRE_ENCRYPT_ALLOW_DECRYPT, maxEncryptedDataKeys: 1 });
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const MAX_DEPTH = 64;

export async function referenceOutcome(data: string, settings: ReferenceSettings): Promise<ReferenceOutcome> {
  const bytes = base64(data);
  if (!bytes || !isUtf8(bytes)) return 'fail';
  const envelope = strictParse(bytes.toString('utf8'));
  if (!isObject(envelope) || envelope.type !== 'DatabaseActivityMonitoringRecords') return 'fail';
  const message = typeof envelope.databaseActivityEvents === 'string' ? base64(envelope.databaseActivityEvents) : undefined;
  const blob = typeof envelope.key === 'string' ? base64(envelope.key) : undefined;
  if (!message || !blob) return 'fail';
  const dataKey = settings.dataKeys.get(blob.toString('hex'));
  if (!dataKey) return 'fail'; // KMS refuses a blob it did not make

  let gzipped: Buffer;
  try {
    const keyring = new RawAesKeyringNode({
      keyNamespace: 'BC',
      keyName: 'DataKey',
      unencryptedMasterKey: new Uint8Array(dataKey),
      wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
    });
    gzipped = (await decryptClient.decrypt(keyring, message)).plaintext;
  } catch {
    return 'fail';
  }
  let json: Buffer;
  try {
    json = gunzipSync(gzipped, { maxOutputLength: settings.maxDecompressedBytes });
  } catch {
    return 'fail';
  }
  if (!isUtf8(json)) return 'fail';
  const payload = strictParse(json.toString('utf8'));
  if (!isObject(payload) || !Array.isArray(payload.databaseActivityEventList)) return 'fail';
  const list = payload.databaseActivityEventList as unknown[];
  if (list.length > settings.maxEvents || !list.every(isObject)) return 'fail';
  const ids: Record<string, string> = {};
  if (typeof payload.clusterId === 'string') ids.clusterId = payload.clusterId;
  if (typeof payload.instanceId === 'string') ids.instanceId = payload.instanceId;
  return (list as Array<Record<string, unknown>>)
    .filter((event) => !(typeof event.type === 'string' && event.type.trim().toLowerCase() === 'heartbeat'))
    .map((event) => JSON.stringify({ ...ids, ...event }));
}

function base64(text: string): Buffer | undefined {
  if (text.length === 0 || !BASE64.test(text)) return undefined;
  return Buffer.from(text, 'base64');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** JSON.parse, refusing what the transformer refuses on top of it. */
function strictParse(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  return unambiguous(text) ? value : undefined;
}

/**
 * Whether no object in the JSON text repeats a name and nothing nests deeper than 64 levels, by a
 * recursive descent written for this check alone (the text is already known to be valid JSON).
 */
export function unambiguous(text: string): boolean {
  let at = 0;
  const space = (): void => {
    while (at < text.length && ' \t\n\r'.includes(text[at] as string)) at++;
  };
  const string = (): string => {
    const start = at;
    at++;
    while (text[at] !== '"') at += text[at] === '\\' ? 2 : 1;
    at++;
    return JSON.parse(text.slice(start, at)) as string;
  };
  const value = (depth: number): boolean => {
    space();
    const char = text[at];
    if (char === '{' || char === '[') {
      if (depth > MAX_DEPTH) return false;
      at++;
      const names = new Set<string>();
      for (;;) {
        space();
        if (text[at] === '}' || text[at] === ']') {
          at++;
          return true;
        }
        if (text[at] === ',') at++;
        space();
        if (char === '{') {
          const name = string();
          if (names.has(name)) return false;
          names.add(name);
          space();
          at++; // the colon
        }
        if (!value(depth + 1)) return false;
      }
    }
    if (char === '"') string();
    else while (at < text.length && !',]} \t\n\r'.includes(text[at] as string)) at++;
    return true;
  };
  try {
    return value(1);
  } catch {
    return false; // a recursion this deep is refused by the transformer's depth rule too
  }
}
