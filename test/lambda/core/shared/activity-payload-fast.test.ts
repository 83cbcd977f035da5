import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { EVENT_FIELDS, readActivityPayload, type ActivityEvent, type EventField } from '../../../../lambda/core/shared/activity-payload';
import { compactJson, JsonRefusedError, MAX_JSON_DEPTH, StrictJsonReader, type FieldValue } from '../../../../lambda/core/shared/strict-json';
import { seededRandom } from '../../../../testkit/das/seeded-random';

/**
 * The payload reader reads most events the fast way (an indexOf scan, JSON.parse, counts for the two
 * added rules) and leaves the rest to the strict reader. These tests hold it to the strict reader alone:
 * same events, same texts, same fields, and the same refusal, on the committed reference events and on
 * thousands of mutants of them.
 */

const limits = { maxDecompressedBytes: 16 * 1024 * 1024, maxEvents: 10_000 };

interface Outcome {
  readonly events: ReadonlyArray<Pick<ActivityEvent, 'text' | 'fields'>>;
  readonly error?: string;
}

function read(json: string): Outcome {
  const events: ActivityEvent[] = [];
  try {
    readActivityPayload(gzipSync(json), limits, (event) => events.push(event));
    return { events };
  } catch (error) {
    return { events, error: (error as Error).message };
  }
}

/** The reading the strict reader alone gives (the payload reader before the fast way), as the reference. */
function strictOnly(json: string): Outcome {
  const events: Pick<ActivityEvent, 'text' | 'fields'>[] = [];
  const wanted: ReadonlySet<string> = new Set(EVENT_FIELDS);
  try {
    const reader = new StrictJsonReader(json);
    let list = false;
    reader.beginObject(1);
    for (let name = reader.nextName(1, true); name !== undefined; name = reader.nextName(1, false)) {
      if (name !== 'databaseActivityEventList') {
        reader.skip(2);
        continue;
      }
      list = true;
      if (reader.peek() !== 0x5b) return { events, error: 'databaseActivityEventList is not an array' };
      reader.beginArray(2);
      for (let more = reader.nextElement(true); more; more = reader.nextElement(false)) {
        if (reader.peek() !== 0x7b) return { events, error: `databaseActivityEventList item ${events.length} is not an object` };
        const start = reader.at;
        reader.resetLineBreaks();
        const fields: Partial<Record<EventField, FieldValue>> = {};
        reader.beginObject(3);
        for (let key = reader.nextName(3, true); key !== undefined; key = reader.nextName(3, false)) {
          if (wanted.has(key)) fields[key as EventField] = reader.value(4);
          else reader.skip(4);
        }
        const text = json.slice(start, reader.at);
        events.push({ text: reader.sawLineBreak ? compactJson(text) : text, fields });
      }
    }
    reader.end();
    return list ? { events } : { events, error: 'decrypted activity has no databaseActivityEventList array' };
  } catch (error) {
    if (error instanceof JsonRefusedError) return { events, error: error.describe('decrypted activity') };
    throw error;
  }
}

interface ReferenceFile {
  readonly events: ReadonlyArray<{ readonly event: Record<string, unknown> }>;
}
const REFERENCE = (JSON.parse(readFileSync(join(__dirname, '../../../fixtures/reference-events.json'), 'utf8')) as ReferenceFile).events.map((item) =>
  JSON.stringify(item.event),
);

const payload = (events: readonly string[]) => `{"type":"DatabaseActivityMonitoringRecord","databaseActivityEventList":[${events.join(',')}],"clusterId":"cluster-A"}`;

/** `levels` arrays nested around a value. */
const nested = (levels: number) => `${'['.repeat(levels)}1${']'.repeat(levels)}`;

describe('readActivityPayload, the fast way against the strict reader alone', () => {
  it.each([
    ['the reference events', payload(REFERENCE)],
    ['a name repeated in an event', payload(['{"type":"record","command":"SELECT","command":"DROP"}'])],
    ['a name repeated in an event, once written with an escape', payload(['{"type":"record","\\u0074ype":"heartbeat"}'])],
    ['a name repeated in an object inside an event', payload(['{"a":{"b":1,"c":{"d":1,"d":2}}}'])],
    ['a name repeated in an object inside an array of an event', payload(['{"a":[1,{"b":1},{"b":1,"b":1}]}'])],
    ['__proto__ twice', payload(['{"__proto__":1,"__proto__":2}'])],
    ['__proto__ once, and the read names', payload(['{"__proto__":{"type":"x"},"type":"record","class":"READ"}'])],
    ['the deepest nesting accepted', payload([`{"a":${nested(MAX_JSON_DEPTH - 3)}}`])],
    ['one level deeper', payload([`{"a":${nested(MAX_JSON_DEPTH - 2)}}`])],
    ['escaped quotes and backslashes in names and values', payload(['{"a\\"":"\\\\","b":"\\\\\\"","c\\\\":"x\\"y\\\\"}', '{"type":"\\"record\\\\"}'])],
    ['an unterminated string after an escaped quote', payload(['{"a":"\\"}'])],
    ['a raw control character in a string', payload(['{"a":"x\u0001y"}'])],
    ['a raw line break in a string', payload(['{"a":"x\ny"}'])],
    ['line breaks between tokens, deep inside', payload(['{"a":[1,\r\n{"b" :\n2}],\n"type":"record"}', '{"c":3}'])],
    ['a malformed escape', payload(['{"a":"\\x"}'])],
    ['a malformed number', payload(['{"a":01}'])],
    ['a read field that is an object or array', payload(['{"command":{"verb":"SELECT"},"logTime":["x"]}'])],
    ['numbers beyond 2^53 and with exponents in read fields', payload(['{"type":12345678901234567890,"class":-0,"command":1.5e300,"logTime":true,"dbUserName":null}'])],
    ['an empty event and whitespace', payload(['{ }', ' { "type" : "record" } '])],
    ['mismatched brackets', payload(['{"a":[}]}'])],
    ['text after the event list', `${payload(['{"a":1}'])} x`],
  ])('reads %s exactly as the strict reader does', (_name, json) => {
    expect(read(json)).toEqual(strictOnly(json));
  });

  it('reads thousands of mutants of the reference events exactly as the strict reader does', () => {
    const next = seededRandom(21);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
    const pieces = ['"', '\\', '{', '}', '[', ']', ':', ',', '\n', ' ', '0', 'e', '-', '.', 'u', '\u0001', '"type":1,', '"a":', '\\"', '\\\\', '{"b":1,"b":2}'];
    let refused = 0;
    for (let round = 0; round < 1500; round++) {
      let json = payload(Array.from({ length: 1 + Math.floor(next() * 3) }, () => pick(REFERENCE)));
      for (let edits = 1 + Math.floor(next() * 3); edits > 0; edits--) {
        const at = Math.floor(next() * json.length);
        const kind = next();
        if (kind < 0.4) json = json.slice(0, at) + pick(pieces) + json.slice(at);
        else if (kind < 0.7) json = json.slice(0, at) + json.slice(at + 1 + Math.floor(next() * 3));
        else json = json.slice(0, at) + pick(pieces) + json.slice(at + 1);
      }
      const expected = strictOnly(json);
      if (expected.error !== undefined) refused++;
      expect({ json, outcome: read(json) }).toEqual({ json, outcome: expected });
    }
    // Both kinds must be well represented for the comparison to mean anything.
    expect(refused).toBeGreaterThan(500);
    expect(refused).toBeLessThan(1450);
  });
});
