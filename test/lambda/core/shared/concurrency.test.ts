import { mapConcurrent } from '../../../../lambda/core/shared/concurrency';

describe('mapConcurrent', () => {
  it('keeps results in input order and never runs more than the limit at once', async () => {
    let running = 0;
    let most = 0;
    const results = await mapConcurrent(Array.from({ length: 25 }, (_, index) => index), 4, async (item) => {
      running += 1;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, (item * 7) % 11));
      running -= 1;
      return item * 2;
    });
    expect(results).toEqual(Array.from({ length: 25 }, (_, index) => index * 2));
    expect(most).toBe(4);
  });

  it('rejects with the first error, after the calls already running have settled, and starts no more', async () => {
    const started: number[] = [];
    let settled = 0;
    const failure = mapConcurrent([0, 1, 2, 3, 4, 5], 2, async (item) => {
      started.push(item);
      await new Promise((resolve) => setTimeout(resolve, item === 1 ? 5 : 20));
      settled += 1;
      if (item === 1) throw new Error('item 1 failed');
      return item;
    });
    await expect(failure).rejects.toThrow('item 1 failed');
    // Item 1 fails while item 0 is still running: nothing more starts, and item 0 settles first.
    expect(started).toEqual([0, 1]);
    expect(settled).toBe(2);
  });

  it('handles no items and a limit above the item count', async () => {
    expect(await mapConcurrent([], 8, async () => 1)).toEqual([]);
    expect(await mapConcurrent(['a'], 8, async (item) => item)).toEqual(['a']);
  });
});
