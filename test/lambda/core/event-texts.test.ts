import { eventTexts } from '../../../lambda/core/event-texts';

const doc = (list: string) => `{"type":"DatabaseActivityMonitoringRecord","clusterId":"cluster-A","databaseActivityEventList":${list}}`;

describe('eventTexts', () => {
  it('cuts out each event exactly as written, numbers, escapes and key order included', () => {
    const events = [
      '{"statementId":12345678901234567890,"rowCount":1.50,"z":1,"a":2}',
      '{"commandText":"select \'}\' from t where a = \\"{[\\" and b = \'\\\\\'","name":"\\u00e9"}',
      '{"paramList":[{"nested":[1,2,{"x":"]"}]}],"exitCode":"0"}',
      '{}',
    ];
    expect(eventTexts(doc(`[${events.join(',')}]`), 4)).toEqual(events);
  });

  it('tolerates whitespace between events but not inside them', () => {
    expect(eventTexts(doc('[ {"a":1} ,\n {"b":2} ]'), 2)).toEqual(['{"a":1}', '{"b":2}']);
    expect(eventTexts(doc('[{"a":\n1}]'), 1)).toBeUndefined();
  });

  it('gives up, so the caller re-serializes, when the count or shape does not match the parse', () => {
    expect(eventTexts(doc('[{"a":1},{"b":2}]'), 1)).toBeUndefined();
    expect(eventTexts(doc('[{"a":1}]'), 2)).toBeUndefined();
    expect(eventTexts(doc('[[1],{"a":1}]'), 2)).toBeUndefined();
    expect(eventTexts('{"other":[]}', 0)).toBeUndefined();
    expect(eventTexts(doc('[{"a":"unterminated}]'), 1)).toBeUndefined();
  });

  it('reads the list JSON.parse reads, not the first occurrence of its name', () => {
    const decoy = '{"note":"databaseActivityEventList","x":[{"fake":1}],"databaseActivityEventList":[{"real":2}]}';
    expect(eventTexts(decoy, 1)).toEqual(['{"real":2}']);
    const nested = '{"meta":{"databaseActivityEventList":[{"nested":1}]},"databaseActivityEventList":[{"top":2}]}';
    expect(eventTexts(nested, 1)).toEqual(['{"top":2}']);
    const spaced = '{ "databaseActivityEventList" :\n [ {"a":1} ] , "after": "x" }';
    expect(eventTexts(spaced, 1)).toEqual(['{"a":1}']);
  });

  it('gives up on a repeated list key rather than guess which one the parse kept', () => {
    expect(eventTexts('{"databaseActivityEventList":[{"first":1}],"databaseActivityEventList":[{"second":2}]}', 1)).toBeUndefined();
  });

  it('finds an empty list', () => {
    expect(eventTexts(doc('[]'), 0)).toEqual([]);
  });
});
