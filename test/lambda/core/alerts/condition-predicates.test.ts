import type { Condition, VocabularyField } from '../../../../lambda/core/alerts/activity-vocabulary';
import { matches, type FieldReader } from '../../../../lambda/core/alerts/condition-predicates';

/** The conditions' meaning, written plainly: values compared upper-case with spaces (only spaces) trimmed. */
function reference(condition: Condition, fields: Partial<Record<VocabularyField, string | null>>): boolean {
  const value = (field: VocabularyField): string => (fields[field] ?? '').replace(/^ +| +$/g, '').toUpperCase();
  if ('all' in condition) return condition.all.every((part) => reference(part, fields));
  if ('any' in condition) return condition.any.some((part) => reference(part, fields));
  if ('statement' in condition) throw new Error('statements are tested in activity-vocabulary.test.ts');
  if ('failed' in condition) return !['', '0'].includes(value(condition.failed));
  if ('succeeded' in condition) return ['', '0'].includes(value(condition.succeeded));
  if ('present' in condition) return value(condition.present) !== '';
  if ('absent' in condition) return value(condition.absent) === '';
  if ('in' in condition) return condition.in.map((word) => word.toUpperCase()).includes(value(condition.field));
  return condition.startsWith.some((word) => value(condition.field).startsWith(word.toUpperCase()));
}

function reader(fields: Partial<Record<VocabularyField, string | null>>): FieldReader {
  return (field) => fields[field] ?? null;
}

describe('condition predicates', () => {
  const values = [null, '', ' ', '   ', '0', ' 0 ', '00', '0 0', '1045', ' 1017', 'x', '\t0', 'connect', ' CONNECT ', 'Connect\t', 'DROP TABLE', 'drop table x', 'dropped', 'straße', 'STRASSE', 'x'.repeat(70), ` ${'connect '.repeat(10)}`];
  const conditions: Condition[] = [
    { failed: 'exitCode' },
    { succeeded: 'exitCode' },
    { present: 'errorMessage' },
    { absent: 'errorMessage' },
    { field: 'command', in: ['CONNECT', 'Straße', 'x'.repeat(70)] },
    { field: 'command', startsWith: ['DROP ', 'connect'] },
    { all: [{ field: 'command', in: ['CONNECT'] }, { present: 'errorMessage' }] },
    { any: [{ field: 'command', in: ['AUTH FAILURE'] }, { all: [{ field: 'command', startsWith: ['CONN'] }, { failed: 'exitCode' }] }] },
  ];

  it('means what the vocabulary says for every value, the first time and when the value was seen before', () => {
    for (const condition of conditions) {
      for (const command of values) {
        for (const other of values) {
          const fields = { command, exitCode: other, errorMessage: other };
          const expected = reference(condition, fields);
          // Twice: the second time the values' normalized text comes from what the first remembered.
          for (let time = 0; time < 2; time++) {
            expect([JSON.stringify(condition), command, other, matches(condition, reader(fields))]).toEqual([JSON.stringify(condition), command, other, expected]);
          }
        }
      }
    }
  });

  it('matches values longer than it remembers, upper-cased and trimmed all the same', () => {
    const long = `  ${'a'.repeat(100)}  `;
    expect(matches({ field: 'dbUserName', in: ['A'.repeat(100)] }, reader({ dbUserName: long }))).toBe(true);
    expect(matches({ field: 'dbUserName', startsWith: ['AAA'] }, reader({ dbUserName: long }))).toBe(true);
  });

  it('answers right for more distinct values than it remembers', () => {
    const condition: Condition = { field: 'dbUserName', in: ['USER-7', 'USER-900'] };
    for (let round = 0; round < 2; round++) {
      for (let index = 0; index < 1200; index++) {
        expect(matches(condition, reader({ dbUserName: ` user-${index} ` }))).toBe(index === 7 || index === 900);
      }
    }
  });
});
