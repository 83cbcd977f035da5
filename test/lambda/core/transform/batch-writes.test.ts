import { groupLines } from '../../../../lambda/core/transform/batch-writes';
import type { RecordOutcome } from '../../../../lambda/core/transform/record-reader';

/** A read record whose lines are `L<record>.<index>` in the given folders. */
function record(name: string, folders: readonly string[]): RecordOutcome {
  const lines = folders.map((_, index) => `${name}.${index}\n`);
  const ends = new Uint32Array(lines.length);
  let at = 0;
  lines.forEach((line, index) => (ends[index] = at += Buffer.byteLength(line)));
  return {
    kind: 'ok',
    kept: { bytes: Buffer.from(lines.join('')), ends, folders },
    data: Buffer.alloc(0),
    counts: { events: lines.length, heartbeats: 0, filtered: 0 },
    classes: new Map(),
    alerts: [],
  };
}

describe('groupLines', () => {
  it('files each line in its folder, in record then event order, counting them, and leaves out records not stored', () => {
    const groups = groupLines([
      record('r1', ['A', 'A', 'B', 'A']),
      { kind: 'failed', reason: 'kept for a re-drive' },
      record('r2', ['B', 'A', 'A']),
      { kind: 'dropped', counts: { events: 3, heartbeats: 3, filtered: 0 } },
      record('r3', ['C']),
    ]);
    const text = (folder: string): string => Buffer.concat(groups.get(folder)!.pieces).toString();
    expect([...groups.keys()]).toEqual(['A', 'B', 'C']);
    expect(text('A')).toBe('r1.0\nr1.1\nr1.3\nr2.1\nr2.2\n');
    expect(text('B')).toBe('r1.2\nr2.0\n');
    expect(text('C')).toBe('r3.0\n');
    expect([...groups.values()].map((group) => group.count)).toEqual([5, 2, 1]);
    // A record's consecutive lines in one folder make one piece.
    expect(groups.get('A')!.pieces.map((piece) => piece.toString())).toEqual(['r1.0\nr1.1\n', 'r1.3\n', 'r2.1\nr2.2\n']);
  });
});
