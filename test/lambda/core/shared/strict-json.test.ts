import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compactJson, JsonRefusedError, JsonText, MAX_JSON_DEPTH, StrictJsonReader, type FieldValue } from '../../../../lambda/core/shared/strict-json';
import { seeded } from '../../../../testkit/fuzz/mutations';
import { unambiguous } from '../../../../testkit/fuzz/reference-reader';

/** Reads a whole text with the strict reader, validating everything; returns the refusal, if any. */
function refusal(text: string): JsonRefusedError | undefined {
  try {
    const reader = new StrictJsonReader(text);
    reader.skip(1);
    reader.end();
    return undefined;
  } catch (error) {
    if (error instanceof JsonRefusedError) return error;
    throw error;
  }
}

/** The value of one top-level member, as the reader captures it. */
function member(json: string, name: string): FieldValue | undefined {
  const reader = new StrictJsonReader(json);
  reader.beginObject(1);
  let found: FieldValue | undefined;
  for (let key = reader.nextName(1, true); key !== undefined; key = reader.nextName(1, false)) {
    if (key === name) found = reader.value(2);
    else reader.skip(2);
  }
  reader.end();
  return found;
}

const fixture = JSON.parse(readFileSync(join(__dirname, '../../../fixtures/reference-events.json'), 'utf8')) as {
  events: Array<{ event: Record<string, unknown> }>;
};
const realistic = JSON.stringify({ type: 'DatabaseActivityMonitoringRecord', databaseActivityEventList: fixture.events.map((item) => item.event) });

describe('StrictJsonReader', () => {
  it('accepts JSON as JSON.parse does: real events, numbers, escapes, unicode, literals, layout', () => {
    for (const text of [
      realistic,
      '{"n":[0,-0,1,-1,1.5,-1.50,1e3,1E-3,1e+3,12345678901234567890123,1e400]}',
      '{"s":"\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00\\ud800 \u2028 😀 \u0001x"}'.replace('\u0001x', 'x'),
      '{"t":true,"f":false,"z":null,"e":{},"a":[],"deep":[[[{"x":[{}]}]]]}',
      ' \n\t\r{ "a" : 1 , "b" : [ 1 , 2 ] } \n',
      '"just a string"',
      '42',
    ]) {
      expect({ text, refusal: refusal(text) }).toEqual({ text, refusal: undefined });
    }
  });

  it.each([
    ['unterminated string', '{"a":"x'],
    ['raw control character in a string', '{"a":"x\ny"}'],
    ['bad escape', '{"a":"\\x"}'],
    ['short unicode escape', '{"a":"\\u12"}'],
    ['leading zero', '{"a":01}'],
    ['bare minus', '{"a":-}'],
    ['trailing dot', '{"a":1.}'],
    ['leading dot', '{"a":.5}'],
    ['empty exponent', '{"a":1e}'],
    ['plus sign', '{"a":+1}'],
    ['trailing comma in an object', '{"a":1,}'],
    ['trailing comma in an array', '[1,]'],
    ['missing colon', '{"a" 1}'],
    ['unquoted name', '{a:1}'],
    ['single quotes', "{'a':1}"],
    ['NaN', '{"a":NaN}'],
    ['byte-order mark', '\ufeff{}'],
    ['comment', '{"a":1 /* x */}'],
    ['two values', '{} {}'],
    ['empty text', ''],
    ['truncated literal', '{"a":tru'],
    ['mismatched bracket', '{"a":[1}'],
  ])('refuses %s, as JSON.parse does', (_name, text) => {
    expect(() => JSON.parse(text)).toThrow();
    expect(refusal(text)).toBeInstanceOf(JsonRefusedError);
    expect(refusal(text)!.kind).toBe('syntax');
  });

  // The defect the fuzz test found: a number at the very end of the text made the reader spin forever.
  it('refuses every proper prefix of a document, each promptly', () => {
    for (let length = 0; length < realistic.length; length++) {
      expect(refusal(realistic.slice(0, length))).toBeInstanceOf(JsonRefusedError);
    }
  });

  it('refuses a name repeated within one object at any depth, escaped or not; accepts it in different objects', () => {
    for (const text of ['{"a":1,"a":1}', '{"x":{"a":1,"b":2,"a":3}}', '{"x":[{"a":1},{"b":[{"c":1,"c":2}]}]}', '{"a":1,"\\u0061":2}']) {
      expect(refusal(text)?.kind).toBe('repeated-name');
    }
    expect(refusal('{"a":{"a":{"a":1}},"b":[{"a":1},{"a":2}]}')).toBeUndefined();
  });

  it(`accepts ${MAX_JSON_DEPTH} levels of nesting and refuses one more, without recursion`, () => {
    const nest = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
    expect(refusal(nest(MAX_JSON_DEPTH))).toBeUndefined();
    expect(refusal(nest(MAX_JSON_DEPTH + 1))?.kind).toBe('too-deep');
    expect(refusal(`{"a":${nest(100_000)}}`)?.kind).toBe('too-deep');
  });

  it('agrees with JSON.parse and an independent checker on 20,000 random edits of real events', () => {
    const random = seeded(42);
    const alphabet = '{}[]":,0123456789.-eE+ \n\\abtnrfu\u00e9';
    for (let round = 0; round < 20_000; round++) {
      let text = realistic;
      for (let edits = 1 + Math.floor(random() * 3); edits > 0; edits--) {
        const at = Math.floor(random() * text.length);
        const char = alphabet[Math.floor(random() * alphabet.length)] as string;
        const kind = Math.floor(random() * 3);
        text = kind === 0 ? text.slice(0, at) + char + text.slice(at + 1) : kind === 1 ? text.slice(0, at) + char + text.slice(at) : text.slice(0, at) + text.slice(at + 1);
      }
      let parses = true;
      try {
        JSON.parse(text);
      } catch {
        parses = false;
      }
      const accepted = refusal(text) === undefined;
      expect({ text, accepted }).toEqual({ text, accepted: parses && unambiguous(text) });
    }
  });

  it('captures members: strings decoded, numbers and literals converted, containers as exact text', () => {
    const json = '{"s":"a\\u00e9\\"b","n":-1.50,"t":true,"z":null,"o":{ "x" : [1, 2] },"a":[ ]}';
    expect(member(json, 's')).toBe('aé"b');
    expect(member(json, 'n')).toBe(-1.5);
    expect(member(json, 't')).toBe(true);
    expect(member(json, 'z')).toBeNull();
    expect(member(json, 'o')).toEqual(new JsonText('{ "x" : [1, 2] }'));
    expect(member(json, 'a')).toEqual(new JsonText('[ ]'));
  });

  it('says where and which rule, never what the text held', () => {
    const secret = '{"commandText":"SELECT password FROM users","commandText":"x"}';
    expect(refusal(secret)!.describe('decrypted activity')).toBe(
      'decrypted activity repeats a name within one object (at character 44), so it could be read two ways',
    );
    expect(refusal('{"a":"SELECT password')!.describe('record data')).toBe('record data is not JSON: unterminated string (at character 5)');
  });
});

describe('compactJson', () => {
  it('removes the raw line breaks (layout), leaving escaped ones and everything else as written', () => {
    expect(compactJson('{ "a" :\n [1,\r\n 2],\t"b":"x \\" y\\n z" }')).toBe('{ "a" : [1, 2],\t"b":"x \\" y\\n z" }');
  });

  // Its memory on a record of millions of line breaks is measured by npm run memory ("line-break bombs").
  it('compacts millions of line breaks', () => {
    const json = `{"a":[${Array.from({ length: 2_000_000 }, () => '1').join(' ,\n')}]}`;
    expect(compactJson(json)).toBe(`{"a":[${Array.from({ length: 2_000_000 }, () => '1').join(' ,')}]}`);
  });
});
