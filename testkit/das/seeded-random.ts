/** A generator of numbers in [0, 1). */
export type Random = () => number;

/**
 * Mulberry32: a tiny seeded generator, so that regenerated sample events are byte-identical and a
 * failing fuzz run can be repeated exactly from its seed.
 */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
