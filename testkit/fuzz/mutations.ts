import { gzipSync } from 'node:zlib';
import type { AlgorithmSuiteIdentifier } from '@aws-crypto/client-node';
import { activityJson, envelopeJson, sealPayload, type EngineProfile, type MintKey } from '../das/das-synth';

/**
 * Mutations of DAS records at every layer RDS builds them in: the base64 Firehose carries, the
 * envelope JSON, the Encryption SDK message, the gzip inside it, and the activity JSON inside that.
 * Byte-level damage (bit flips, truncation, insertion) at each layer, and structural edits a byte flip
 * seldom reaches: deep nesting, huge strings, wrong types, repeated names, NUL and unicode, layout.
 */

export { seededRandom as seeded, type Random } from '../das/seeded-random';
import type { Random } from '../das/seeded-random';

const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const below = (random: Random, n: number): number => Math.floor(random() * n);

/** One record's layers, from the outside in. */
export interface Layers {
  readonly profile: EngineProfile;
  readonly key: MintKey;
  readonly suite: AlgorithmSuiteIdentifier;
  readonly frameLength: number;
  readonly events: readonly Record<string, unknown>[];
}

export interface Mutant {
  /** Which layer and edit, e.g. `esdk: bit flip`. */
  readonly label: string;
  /** The Kinesis payload (the envelope bytes, not yet base64) or, for base64-layer edits, the base64 text itself. */
  readonly data: { readonly bytes: Buffer } | { readonly base64: string };
}

export const LAYERS = ['base64', 'envelope', 'esdk', 'gzip', 'payload'] as const;
export type Layer = (typeof LAYERS)[number];

/** One mutant of the record the layers describe, at a layer chosen at random. */
export async function mutant(random: Random, layers: Layers, layer: Layer = pick(random, LAYERS)): Promise<Mutant> {
  switch (layer) {
    case 'payload': {
      const { label, bytes } = payloadEdit(random, activityJson(layers.profile, layers.events));
      return seal(layers, `payload: ${label}`, gzipSync(bytes));
    }
    case 'gzip': {
      const { label, bytes } = bytesEdit(random, gzipSync(activityJson(layers.profile, layers.events)));
      return seal(layers, `gzip: ${label}`, bytes);
    }
    case 'esdk': {
      const message = await sealPayload(gzipSync(activityJson(layers.profile, layers.events)), layers.key, layers.suite, layers.frameLength);
      const { label, bytes } = bytesEdit(random, message);
      return { label: `esdk: ${label}`, data: { bytes: Buffer.from(envelopeJson(layers.profile.version, bytes.toString('base64'), layers.key.blob)) } };
    }
    case 'envelope': {
      const message = await sealPayload(gzipSync(activityJson(layers.profile, layers.events)), layers.key, layers.suite, layers.frameLength);
      const text = envelopeJson(layers.profile.version, message.toString('base64'), layers.key.blob);
      if (random() < 0.5) {
        const { label, bytes } = bytesEdit(random, Buffer.from(text));
        return { label: `envelope bytes: ${label}`, data: { bytes } };
      }
      const { label, text: edited } = envelopeEdit(random, text);
      return { label: `envelope: ${label}`, data: { bytes: Buffer.from(edited) } };
    }
    case 'base64': {
      const message = await sealPayload(gzipSync(activityJson(layers.profile, layers.events)), layers.key, layers.suite, layers.frameLength);
      const base64 = Buffer.from(envelopeJson(layers.profile.version, message.toString('base64'), layers.key.blob)).toString('base64');
      const { label, text } = base64Edit(random, base64);
      return { label: `base64: ${label}`, data: { base64: text } };
    }
  }
}

async function seal(layers: Layers, label: string, gzipped: Buffer): Promise<Mutant> {
  const message = await sealPayload(gzipped, layers.key, layers.suite, layers.frameLength);
  return { label, data: { bytes: Buffer.from(envelopeJson(layers.profile.version, message.toString('base64'), layers.key.blob)) } };
}

/** Damage to bytes: the kinds a bad disk, a bad network or a bad producer does. */
export function bytesEdit(random: Random, input: Buffer): { label: string; bytes: Buffer } {
  const bytes = Buffer.from(input);
  const at = below(random, bytes.length);
  switch (below(random, 6)) {
    case 0:
      bytes[at] = (bytes[at] as number) ^ (1 << below(random, 8));
      return { label: 'bit flip', bytes };
    case 1:
      return { label: 'truncated', bytes: bytes.subarray(0, at) };
    case 2:
      return { label: 'bytes appended', bytes: Buffer.concat([bytes, randomBytes(random, 1 + below(random, 64))]) };
    case 3:
      return { label: 'byte removed', bytes: Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1)]) };
    case 4:
      return { label: 'byte inserted', bytes: Buffer.concat([bytes.subarray(0, at), randomBytes(random, 1), bytes.subarray(at)]) };
    default: {
      const length = Math.min(1 + below(random, 32), bytes.length - at);
      const copy = bytes.subarray(at, at + length);
      const to = below(random, bytes.length);
      return { label: 'range duplicated', bytes: Buffer.concat([bytes.subarray(0, to), copy, bytes.subarray(to)]) };
    }
  }
}

function randomBytes(random: Random, length: number): Buffer {
  return Buffer.from(Array.from({ length }, () => below(random, 256)));
}

const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function base64Edit(random: Random, text: string): { label: string; text: string } {
  const at = below(random, text.length);
  switch (below(random, 5)) {
    case 0:
      return { label: 'character changed', text: text.slice(0, at) + pick(random, [...BASE64_ALPHABET]) + text.slice(at + 1) };
    case 1:
      return { label: 'foreign character', text: text.slice(0, at) + pick(random, ['-', '_', ' ', '\n', '=', '*', 'é']) + text.slice(at) };
    case 2:
      return { label: 'character removed', text: text.slice(0, at) + text.slice(at + 1) };
    case 3:
      return { label: 'truncated', text: text.slice(0, at) };
    default:
      return { label: 'padding changed', text: text.replace(/=+$/, '') + pick(random, ['', '=', '==', '===']) };
  }
}

function envelopeEdit(random: Random, text: string): { label: string; text: string } {
  const envelope = JSON.parse(text) as Record<string, unknown>;
  const edits: Array<() => { label: string; text: string }> = [
    () => ({ label: 'key given twice', text: text.replace(/}$/, `,"key":${JSON.stringify(envelope.key)}}`) }),
    () => ({ label: 'events given twice', text: text.replace(/}$/, `,"databaseActivityEvents":"AAAA"}`) }),
    () => ({ label: 'version as a number', text: JSON.stringify({ ...envelope, version: 1.2 }) }),
    () => ({ label: 'version as an object', text: JSON.stringify({ ...envelope, version: { major: 1 } }) }),
    () => ({ label: 'no version', text: JSON.stringify({ ...envelope, version: undefined }) }),
    () => ({ label: 'wrong type', text: JSON.stringify({ ...envelope, type: 'DatabaseActivityMonitoringRecord' }) }),
    () => ({ label: 'key as a number', text: JSON.stringify({ ...envelope, key: 12 }) }),
    () => ({ label: 'events missing', text: JSON.stringify({ ...envelope, databaseActivityEvents: undefined }) }),
    () => ({ label: 'unknown field', text: JSON.stringify({ ...envelope, extra: { nested: [1, 'two', null] } }) }),
    () => ({ label: 'deep unknown field', text: JSON.stringify({ ...envelope, deep: nested(55 + below(random, 15)) }) }),
    () => ({ label: 'huge unknown field', text: JSON.stringify({ ...envelope, huge: 'x'.repeat(200_000) }) }),
    () => ({ label: 'spaced out', text: JSON.stringify(envelope, null, 2) }),
    () => ({ label: 'an array', text: `[${text}]` }),
    () => ({ label: 'trailing text', text: `${text} x` }),
    () => ({ label: 'escaped NUL in an unknown field', text: text.replace(/}$/, ',"n":"a\\u0000b"}') }),
    () => ({ label: 'raw NUL in an unknown field', text: text.replace(/}$/, ',"n":"a\u0000b"}') }),
  ];
  return pick(random, edits)();
}

/** JSON text of arrays nested `depth` deep. */
function nested(depth: number): unknown {
  let value: unknown = 1;
  for (let level = 0; level < depth; level++) value = [value];
  return value;
}

function payloadEdit(random: Random, text: string): { label: string; bytes: Buffer } {
  const edit = payloadTextEdit(random, text);
  return 'bytes' in edit ? edit : { label: edit.label, bytes: Buffer.from(edit.text) };
}

function payloadTextEdit(random: Random, text: string): { label: string; text: string } | { label: string; bytes: Buffer } {
  const payload = JSON.parse(text) as { databaseActivityEventList: Array<Record<string, unknown>> } & Record<string, unknown>;
  const list = payload.databaseActivityEventList;
  const at = below(random, Math.max(1, list.length));
  const withEvent = (label: string, change: (event: Record<string, unknown>) => Record<string, unknown> | unknown) => {
    const copy = list.slice();
    copy[at] = change({ ...(list[at] ?? {}) }) as Record<string, unknown>;
    return { label, text: JSON.stringify({ ...payload, databaseActivityEventList: copy }) };
  };
  const edits: Array<() => { label: string; text: string } | { label: string; bytes: Buffer }> = [
    () => {
      const { label, bytes } = bytesEdit(random, Buffer.from(text));
      return { label: `bytes ${label}`, bytes };
    },
    () => {
      const bytes = Buffer.from(text);
      const at = below(random, bytes.length);
      return { label: 'invalid UTF-8', bytes: Buffer.concat([bytes.subarray(0, at), Buffer.from([0xc3 + below(random, 60)]), bytes.subarray(at)]) };
    },
    () => ({ label: 'truncated', text: text.slice(0, below(random, text.length)) }),
    () => ({ label: 'list given twice', text: text.replace(/}$/, ',"databaseActivityEventList":[]}') }),
    () => ({ label: 'field given twice in an event', text: text.replace('{"logTime"', '{"command":"DROP TABLE","logTime"').replace(/("command":"[^"]*",)/, '$1"command":"SELECT",') }),
    () => withEvent('deep field', (event) => ({ ...event, deep: nested(58 + below(random, 10)) })),
    () => withEvent('huge string', (event) => ({ ...event, commandText: 'y'.repeat(50_000 + below(random, 500_000)) })),
    () => withEvent('event as an array', (event) => [event]),
    () => withEvent('event as a number', () => 42),
    () => withEvent('type as a number', (event) => ({ ...event, type: 7 })),
    () => withEvent('heartbeat', (event) => ({ ...event, type: ' HeartBeat ' })),
    () => withEvent('command as an object', (event) => ({ ...event, command: { verb: 'SELECT' } })),
    () => withEvent('command missing', (event) => ({ ...event, command: undefined })),
    () => withEvent('logTime garbage', (event) => ({ ...event, logTime: pick(random, ['2026-13-40 99:99:99', 12345, null, '']) })),
    () => withEvent('escaped NUL and lone surrogate', (event) => ({ ...event, commandText: 'a\u0000b\ud800c' })),
    () => withEvent('emoji and line separators', (event) => ({ ...event, commandText: 'select \u2028 \u2029 😀 from t' })),
    () => withEvent('own clusterId', (event) => ({ ...event, clusterId: 'cluster-OWN' })),
    () => ({ label: 'raw NUL in a string', text: text.replace('"logTime":"', '"logTime":"\u0000') }),
    () => ({ label: 'line breaks inside events', text: JSON.stringify(payload, null, 1) }),
    () => ({ label: 'big numbers kept as written', text: text.replace('"logTime"', '"big":12345678901234567890123,"dec":1.50,"exp":1e400,"logTime"') }),
    () => ({ label: 'list as an object', text: JSON.stringify({ ...payload, databaseActivityEventList: { 0: list[0] } }) }),
    () => ({ label: 'no list', text: JSON.stringify({ ...payload, databaseActivityEventList: undefined }) }),
    () => ({ label: 'empty list', text: JSON.stringify({ ...payload, databaseActivityEventList: [] }) }),
    () => ({ label: 'byte-order mark', text: `\ufeff${text}` }),
    () => ({ label: 'second document', text: `${text}${text}` }),
    () => ({ label: 'an array', text: JSON.stringify(list) }),
  ];
  return pick(random, edits)();
}
