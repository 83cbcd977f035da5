import { EnvelopeError } from '../../../../lambda/core/shared/errors';
import { parseEnvelope } from '../../../../lambda/core/transform/das-envelope';
import realRecords from '../../../fixtures/real-records.json';

const b64 = (text: string): string => Buffer.from(text).toString('base64');

describe('parseEnvelope', () => {
  it.each(realRecords.records.map((r) => [r.engine, r.record.version, r.record] as const))(
    'reads a real %s record (version %s)',
    (_engine, _version, record) => {
      const envelope = parseEnvelope(b64(JSON.stringify(record)));
      expect(envelope.encryptedKey).toBe(record.key);
      expect(envelope.encryptedEvents.equals(Buffer.from(record.databaseActivityEvents, 'base64'))).toBe(true);
      expect(Buffer.from(envelope.encryptedKey, 'base64')).toHaveLength(184);
    },
  );

  it('parses non-canonical spacing such as `"key" :` and any version', () => {
    const text = '{ "type" : "DatabaseActivityMonitoringRecords", "version" : "9.9", "databaseActivityEvents" : "AAAA", "key" : "AQID" }';
    expect(parseEnvelope(b64(text)).version).toBe('9.9');
  });

  it.each([
    ['not base64', '%%%not-base64%%%', 'record data is not base64'],
    ['not JSON', b64('hello'), 'record data is not JSON'],
    ['a JSON array', b64('[]'), 'record data is not a JSON object'],
    ['the wrong type', b64('{"type":"Other","databaseActivityEvents":"AAAA","key":"AQID"}'), 'envelope type is not'],
    ['no events', b64('{"type":"DatabaseActivityMonitoringRecords","key":"AQID"}'), 'no databaseActivityEvents'],
    ['no key', b64('{"type":"DatabaseActivityMonitoringRecords","databaseActivityEvents":"AAAA"}'), 'no key'],
    ['a key that is not base64', b64('{"type":"DatabaseActivityMonitoringRecords","databaseActivityEvents":"AAAA","key":"!!"}'), 'key is not base64'],
    ['an empty key', b64('{"type":"DatabaseActivityMonitoringRecords","databaseActivityEvents":"AAAA","key":"=="}'), 'key is not base64'],
    ['URL-safe base64', b64('{"type":"DatabaseActivityMonitoringRecords","databaseActivityEvents":"AA-_","key":"AQID"}'), 'databaseActivityEvents is not base64'],
    ['unpadded base64', b64('{"type":"DatabaseActivityMonitoringRecords","databaseActivityEvents":"QUJDRA","key":"AQID"}'), 'databaseActivityEvents is not base64'],
    ['extra padding', b64('{"type":"DatabaseActivityMonitoringRecords","databaseActivityEvents":"QUJD===","key":"AQID"}'), 'databaseActivityEvents is not base64'],
  ])('rejects %s with an EnvelopeError', (_name, data, message) => {
    expect(() => parseEnvelope(data)).toThrow(EnvelopeError);
    expect(() => parseEnvelope(data)).toThrow(message);
  });

  it('rejects data that is not a string', () => {
    expect(() => parseEnvelope(null)).toThrow('record data is not a string');
  });

  it('keeps the content of unparseable data out of the error message', () => {
    const secret = 'SELECT password FROM users';
    expect(() => parseEnvelope(b64(secret))).toThrow(expect.objectContaining({ message: expect.not.stringContaining('password') }));
  });
});
