import { findInconsistencies, type LayoutResult, type QueryResult } from '../../../tools/sizing/run';

const layout = (name: string, rows: number, hash = 'h'): LayoutResult => ({ name, label: name, files: 1, bytes: 1, contents: { rows, hash } });
const result = (query: string, layoutName: string, rows: number, hash = 'a'): QueryResult => ({
  query, layout: layoutName, files: 1, fileBytes: 1, scannedBytes: 1, seconds: [0.1], medianSeconds: 0.1, answer: { rows, hash },
});

describe('the sizing consistency check', () => {
  it('finds nothing when every layout holds every event and answers alike', () => {
    expect(findInconsistencies([layout('events', 10), layout('firehose-1', 10)], [result('user', 'events', 3), result('user', 'firehose-1', 3)], 10)).toEqual([]);
  });

  it('names a layout that lost events, holds others, or answers otherwise', () => {
    const found = findInconsistencies(
      [layout('events', 10), layout('firehose-1', 9), layout('parquet-sorted', 10, 'other')],
      [result('user', 'events', 3), result('user', 'firehose-1', 2), result('user', 'parquet-sorted', 3, 'b')],
      10,
    );
    expect(found).toEqual([
      'firehose-1 holds 9 of 10 events',
      'parquet-sorted holds other events than events',
      'user: firehose-1 answers 2 rows, events 3',
      'user: parquet-sorted answers 3 rows, events 3 (other rows)',
    ]);
  });
});
