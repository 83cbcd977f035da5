/**
 * Time kept back from a function's timeout: the last part of it, at most 10 s, is for removing what
 * a batch that ran out of time had written and for answering, so the function fails with a message
 * instead of being killed mid-write.
 */
export function deadlineFor(remainingMs: number, now: number): { deadline: number; rollbackMs: number } {
  const reserve = Math.min(10_000, Math.floor(remainingMs / 5));
  return { deadline: now + remainingMs - reserve, rollbackMs: Math.floor(reserve * 0.8) };
}
