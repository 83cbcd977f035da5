import { gunzipSync } from 'node:zlib';
import { eventLines, gzipLines, ndjsonBytes } from '../../../../lambda/core/shared/ndjson';
import { event } from '../../../support/activity-event';

const ids = { clusterId: 'cluster-A', instanceId: 'db-B' };
const raw = (text: string, fields: Record<string, unknown> = {}) => ({ ...event(fields), text });

describe('NDJSON framing', () => {
  it('ends every line with a newline, so concatenated gzip members read as one NDJSON file', async () => {
    const lines = ['{"a":1}', '{"b":"é😀"}'];
    expect(ndjsonBytes(lines).toString('utf8')).toBe('{"a":1}\n{"b":"é😀"}\n');
    const members = Buffer.concat([await gzipLines(lines), await gzipLines(['{"c":3}'])]);
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
    expect(eventLines({})(raw('{"a":1}'))).toBe('{"a":1}');
  });
});
