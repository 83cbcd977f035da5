import { metricClass } from '../../../../lambda/core/transform/record-reader';

describe('metricClass', () => {
  it('names a class as a metric dimension: upper case, letters, digits, spaces and _ only, at most 40 characters', () => {
    const cases: Array<[unknown, string]> = [
      ['read', 'READ'],
      [' Standard ', 'STANDARD'],
      ['DATABASE ROLE', 'DATABASE ROLE'],
      ['a/b.c', 'A_B_C'],
      ['x'.repeat(50), 'X'.repeat(40)],
      ['', 'NONE'],
      ['   ', 'NONE'],
      [undefined, 'NONE'],
      [42, 'NONE'],
    ];
    // Twice each: the second answer comes from what the first remembered.
    for (const [value, expected] of [...cases, ...cases]) expect([value, metricClass(value)]).toEqual([value, expected]);
  });

  it('answers right for more distinct classes than it remembers', () => {
    for (let round = 0; round < 2; round++) {
      for (let index = 0; index < 600; index++) expect(metricClass(`class-${index}`)).toBe(`CLASS_${index}`);
    }
  });
});
