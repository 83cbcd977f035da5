import { gzipSync } from 'node:zlib';
import { errorObjectLocation, ErrorOutputError, readErrorOutput } from '../../../../lambda/core/replay/error-output';
import { recordDigest } from '../../../../lambda/core/shared/journal';

const DATA = Buffer.from('{"type":"DatabaseActivityMonitoringRecords"}').toString('base64');

/** A line as Firehose's documentation shows it ("Handle failure in data transformation"). */
const documented = {
  attemptsMade: 4,
  arrivalTimestamp: 1763726400000,
  errorCode: 'Lambda.FunctionError',
  errorMessage: 'The Lambda function was successfully invoked but it returned an error result.',
  attemptEndingTimestamp: 1763726460000,
  rawData: DATA,
  lambdaArn: 'arn:aws:lambda:us-east-1:123456789012:function:transformer',
};

describe('readErrorOutput (Firehose error records)', () => {
  it('reads the documented record, one per line, with the digest the journal keeps', () => {
    const lines = readErrorOutput(Buffer.from(`${JSON.stringify(documented)}\n${JSON.stringify({ ...documented, attemptsMade: 1 })}\n`));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({
      index: 0,
      kind: 'record',
      digest: recordDigest(DATA),
      record: { rawData: DATA, arrivalTimestamp: 1763726400000, attemptEndingTimestamp: 1763726460000, attemptsMade: 4, errorCode: 'Lambda.FunctionError' },
    });
  });

  it('takes numbers written as strings and names in either case, as the documentation and format-conversion errors write them', () => {
    const [line] = readErrorOutput(
      Buffer.from(JSON.stringify({ attemptsMade: '4', arrivalTimestamp: '1763726400000', ErrorCode: 'Lambda.ProcessingFailedStatus', ErrorMessage: 'x', RawData: DATA })),
    );
    expect(line).toMatchObject({ kind: 'record', record: { attemptsMade: 4, arrivalTimestamp: 1763726400000, errorCode: 'Lambda.ProcessingFailedStatus' } });
  });

  it('reads gzip objects, records run together without line breaks, and pretty-printed records', () => {
    const text = `${JSON.stringify(documented)}${JSON.stringify(documented)}\r\n${JSON.stringify(documented, null, 2)}\n${JSON.stringify(documented)}`;
    expect(readErrorOutput(gzipSync(text)).map((line) => line.kind)).toEqual(['record', 'record', 'record', 'record']);
  });

  it('returns what is not a record as an unreadable line with its reason, and reads on', () => {
    const body = [
      'this is not json at all',
      JSON.stringify({ ...documented, rawData: undefined }),
      JSON.stringify({ ...documented, rawData: 'not base64!' }),
      `{"rawData":"${DATA}","rawData":"${DATA}"}`,
      '{"rawData": "AAAA", "errorCode": ',
      JSON.stringify(documented),
    ].join('\n');
    const lines = readErrorOutput(Buffer.from(body));
    expect(lines.map((line) => (line.kind === 'unreadable' ? line.reason : 'record'))).toEqual([
      'not a Firehose error record: not a JSON object',
      'not a Firehose error record: it has no rawData string',
      'not a Firehose error record: rawData is not base64',
      expect.stringContaining('not a Firehose error record: the line repeats a name'),
      expect.stringContaining('not a Firehose error record:'),
      'record',
    ]);
    expect(lines.map((line) => line.index)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('refuses a gzip object that does not decompress, as a whole', () => {
    expect(() => readErrorOutput(Buffer.from([0x1f, 0x8b, 0x08, 0x00, 1, 2, 3]))).toThrow(ErrorOutputError);
  });
});

describe('errorObjectLocation', () => {
  it('reads the database and hour of this version\'s layout and of the one before', () => {
    expect(errorObjectLocation('firehose/failed/resource=cluster-ABC/type=processing-failed/date=2026-11-21/hour=07/x')).toEqual({
      resourceId: 'cluster-ABC',
      hour: Date.UTC(2026, 10, 21, 7),
    });
    expect(errorObjectLocation('firehose/failed/db-XYZ/processing-failed/2026/11/21/23/x')).toEqual({ resourceId: 'db-XYZ', hour: Date.UTC(2026, 10, 21, 23) });
    expect(errorObjectLocation('firehose/failed/processing-failed/x')).toEqual({});
  });
});
