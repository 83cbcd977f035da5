import { gzipSync } from 'node:zlib';
import { readActivityPayload, type ActivityEvent } from '../../../../lambda/core/shared/activity-payload';
import { PayloadError, PayloadTooLargeError } from '../../../../lambda/core/shared/errors';
import { JsonText } from '../../../../lambda/core/shared/strict-json';

const limits = { maxDecompressedBytes: 1024 * 1024, maxEvents: 1000 };
function read(json: string | Buffer, override = limits) {
  const events: ActivityEvent[] = [];
  const summary = readActivityPayload(gzipSync(json), override, (item) => events.push(item));
  return { summary, events };
}

describe('readActivityPayload', () => {
  it('hands over each event in order: its exact text and the fields the core reads', () => {
    const json =
      '{"type":"DatabaseActivityMonitoringRecord","databaseActivityEventList":[' +
      '{"type":"record","command":"SELECT","logTime":"2026-11-21 12:00:00+00","statementId":12345678901234567890,"engineNativeAuditFields":{"a":1}},' +
      '{"type":"heartbeat"}],"clusterId":"cluster-A","instanceId":"db-B"}';
    const { summary, events } = read(json);
    expect(summary).toMatchObject({ events: 2, clusterId: 'cluster-A', instanceId: 'db-B', bytes: json.length, memoryBytes: json.length });
    expect(events[0]!.text).toBe('{"type":"record","command":"SELECT","logTime":"2026-11-21 12:00:00+00","statementId":12345678901234567890,"engineNativeAuditFields":{"a":1}}');
    expect(events[0]!.fields).toEqual({ type: 'record', command: 'SELECT', logTime: '2026-11-21 12:00:00+00' });
    expect(events[1]!.fields).toEqual({ type: 'heartbeat' });
  });

  it('compacts an event whose text holds line breaks, and only that one', () => {
    const { events } = read('{"databaseActivityEventList":[{"a" : 1,\n"b":[2]}, {"c" : 3}]}');
    expect(events.map((item) => item.text)).toEqual(['{"a" : 1,"b":[2]}', '{"c" : 3}']);
  });

  it('counts text beyond ASCII twice, as V8 holds it', () => {
    expect(read('{"databaseActivityEventList":[{"a":"€"}]}').summary.memoryBytes).toBe(2 * '{"databaseActivityEventList":[{"a":"€"}]}'.length);
  });

  it.each([
    ['not gzip', Buffer.from('plain'), PayloadError, 'decrypted activity is not gzip data'],
    ['not UTF-8', Buffer.from([0x7b, 0xff, 0x7d]), PayloadError, 'decrypted activity is not UTF-8 text'],
    ['no list', '{"type":"x"}', PayloadError, 'decrypted activity has no databaseActivityEventList array'],
    ['a list that is not an array', '{"databaseActivityEventList":{}}', PayloadError, 'databaseActivityEventList is not an array'],
    ['an event that is not an object', '{"databaseActivityEventList":[{},[]]}', PayloadError, 'databaseActivityEventList item 1 is not an object'],
  ])('refuses %s with a PayloadError saying so', (_name, json, Type, message) => {
    const input = Buffer.isBuffer(json) && _name === 'not gzip' ? json : undefined;
    const attempt = () => (input ? readActivityPayload(input, limits, () => undefined) : read(json as string | Buffer));
    expect(attempt).toThrow(Type);
    expect(attempt).toThrow(message);
  });

  it('refuses a payload past its size cap with PayloadTooLargeError, and past its event cap', () => {
    const big = `{"databaseActivityEventList":[{"s":"${'x'.repeat(2000)}"}]}`;
    expect(() => read(big, { maxDecompressedBytes: 1000, maxEvents: 10 })).toThrow(PayloadTooLargeError);
    expect(() => read(`{"databaseActivityEventList":[${Array(11).fill('{}').join(',')}]}`, { maxDecompressedBytes: 1e6, maxEvents: 10 })).toThrow(
      'databaseActivityEventList holds more than 10 events',
    );
  });

  it('keeps containers of read fields as JSON text', () => {
    const { events } = read('{"databaseActivityEventList":[{"command":{"verb":"SELECT"}}]}');
    expect(events[0]!.fields.command).toEqual(new JsonText('{"verb":"SELECT"}'));
  });
});
