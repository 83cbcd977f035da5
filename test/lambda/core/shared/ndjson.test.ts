import { gunzipSync } from 'node:zlib';
import { eventLineLayout, eventLines, gzipPieces, ndjsonBytes, writeEventLines } from '../../../../lambda/core/shared/ndjson';
import { event } from '../../../support/activity-event';

const ids = { clusterId: 'cluster-A', instanceId: 'db-B' };
const raw = (text: string, fields: Record<string, unknown> = {}) => ({ ...event(fields), text });

describe('NDJSON framing', () => {
  it('ends every line with a newline, so concatenated gzip members read as one NDJSON file', async () => {
    const lines = ['{"a":1}', '{"b":"é😀"}'];
    expect(ndjsonBytes(lines).toString('utf8')).toBe('{"a":1}\n{"b":"é😀"}\n');
    const members = Buffer.concat([await gzipPieces([ndjsonBytes(lines)]), await gzipPieces([ndjsonBytes(['{"c":3}'])])]);
    expect(gunzipSync(members).toString('utf8').split('\n')).toEqual(['{"a":1}', '{"b":"é😀"}', '{"c":3}', '']);
  });

  it('writes nothing for no lines', () => {
    expect(ndjsonBytes([])).toHaveLength(0);
  });
});

describe('eventLines', () => {
  it("keeps the event's own text byte for byte and appends the payload's IDs", () => {
    const line = eventLines(ids)(raw('{"n":12345678901234567890,"d":1.50,"s":"\\u00e9"}'));
    expect(line).toBe('{"n":12345678901234567890,"d":1.50,"s":"\\u00e9","clusterId":"cluster-A","instanceId":"db-B"}');
  });

  it('keeps an ID the event already has, and makes an empty event a line of its IDs', () => {
    const lineOf = eventLines(ids);
    expect(lineOf(raw('{"clusterId":"own"}', { clusterId: 'own' }))).toBe('{"clusterId":"own","instanceId":"db-B"}');
    expect(lineOf(raw('{ }'))).toBe('{"clusterId":"cluster-A","instanceId":"db-B"}');
    expect(lineOf(raw('{\t \n}'))).toBe('{"clusterId":"cluster-A","instanceId":"db-B"}');
    expect(eventLines({})(raw('{"a":1}'))).toBe('{"a":1}');
  });
});

describe('eventLineLayout and writeEventLines', () => {
  const events = [
    raw('{"n":12345678901234567890,"d":1.50,"s":"\\u00e9"}'),
    raw('{"clusterId":"own","x":"é😀"}', { clusterId: 'own' }),
    raw('{"instanceId":"own-i"}', { instanceId: 'own-i' }),
    raw('{"clusterId":"c","instanceId":"i"}', { clusterId: 'c', instanceId: 'i' }),
    raw('{ }'),
    raw('{}'),
    raw('{\t \t}'),
    raw('{"a":"}"}'),
  ];

  it.each([[ids], [{ clusterId: 'only-cluster' }], [{}], [{ clusterId: 'ç"\\', instanceId: '日本' }]])('writes the lines eventLines gives, each newline-terminated, for source %p', (source) => {
    const layout = eventLineLayout(source, events);
    const { bytes, ends } = writeEventLines(layout);
    expect(bytes.length).toBe(layout.size);
    const lineOf = eventLines(source);
    expect(bytes.toString('utf8')).toBe(events.map((item) => `${lineOf(item)}\n`).join(''));
    let start = 0;
    events.forEach((item, index) => {
      expect(bytes.subarray(start, ends[index]).toString('utf8')).toBe(`${lineOf(item)}\n`);
      start = ends[index]!;
    });
    expect(start).toBe(bytes.length);
  });

  it('writes the lines as stored, byte for byte (written out here, not derived)', () => {
    const { bytes } = writeEventLines(eventLineLayout({ clusterId: 'c-1', instanceId: 'é' }, [raw('{"a":"日本"}'), raw('{ \t}'), raw('{"clusterId":"own"}', { clusterId: 'own' })]));
    expect(bytes.toString('utf8')).toBe('{"a":"日本","clusterId":"c-1","instanceId":"é"}\n{"clusterId":"c-1","instanceId":"é"}\n{"clusterId":"own","instanceId":"é"}\n');
  });

  it('writes nothing for no events', () => {
    const { bytes, ends } = writeEventLines(eventLineLayout(ids, []));
    expect([bytes.length, ends.length]).toEqual([0, 0]);
  });
});

describe('gzipPieces', () => {
  it('compresses the pieces joined, small or past the megabyte it streams at, into one gzip member', async () => {
    const line = (n: number): Buffer => Buffer.from(`${JSON.stringify({ s: 'x'.repeat(300), n })}\n`);
    for (const count of [0, 1, 5000]) {
      const pieces = Array.from({ length: count }, (_, index) => (index % 3 === 0 ? Buffer.concat([line(index), line(-index)]) : line(index)));
      const body = await gzipPieces(pieces);
      expect(gunzipSync(body).equals(Buffer.concat(pieces))).toBe(true);
      // One member: the gzip header's magic appears once at the start, and the trailer's size is the whole.
      expect(body.readUInt32LE(body.length - 4)).toBe(Buffer.concat(pieces).length);
    }
  });

  it('streams pieces larger than a megabyte in views of themselves, small ones around them in order', async () => {
    const big = (bytes: number, seed: number): Buffer => Buffer.from(Array.from({ length: Math.ceil(bytes / 16) }, (_, index) => `${(seed * 1e7 + index).toString(16).padStart(15, '0')}\n`).join('').slice(0, bytes));
    for (const pieces of [[big(2.5 * 1024 * 1024, 1)], [big(100, 2), big(3 * 1024 * 1024, 3), big(200, 4), big(1024 * 1024, 5)], [big(1024 * 1024, 6), big(1024 * 1024, 7)]]) {
      const body = await gzipPieces(pieces);
      expect(gunzipSync(body).equals(Buffer.concat(pieces))).toBe(true);
      expect(body.readUInt32LE(body.length - 4)).toBe(Buffer.concat(pieces).length);
    }
  });
});

