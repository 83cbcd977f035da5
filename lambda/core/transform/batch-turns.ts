import { setMaxListeners } from 'node:events';

/** How a batch's concurrent steps keep to record order and to the function's deadline. */

/** Lets asynchronous steps take turns in index order: step i waits until every step before it is done. */
export class InOrder {
  private readonly released: Array<() => void> = [];
  private readonly turns: Promise<void>[];

  constructor(count: number) {
    this.turns = Array.from({ length: count }, (_, index) =>
      index === 0 ? Promise.resolve() : new Promise<void>((resolve) => (this.released[index] = resolve)),
    );
  }

  wait(index: number): Promise<void> {
    return this.turns[index] as Promise<void>;
  }

  done(index: number): void {
    this.released[index + 1]?.();
  }
}

export interface DeadlineSignal {
  readonly signal: AbortSignal;
  clear(): void;
}

/** An AbortSignal that fires at the deadline (never, without one). */
export function deadlineSignal(deadline: number | undefined, now: () => number): DeadlineSignal {
  const controller = new AbortController();
  // Every request in flight listens to it (as many PUTs at once as the store allows, and the alerts), each
  // listener removed when its request ends: many at once is expected, not a leak.
  setMaxListeners(0, controller.signal);
  if (deadline === undefined) return { signal: controller.signal, clear: () => undefined };
  const timer = setTimeout(() => controller.abort(new Error('deadline reached')), Math.max(0, deadline - now()));
  timer.unref?.();
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}

/**
 * Gives the event loop a turn now and then while a batch reads its records. Reading is synchronous work
 * chained by promises (microtasks only), which never lets the loop run: a request started meanwhile (the
 * journal's PUT, another data key's KMS call) would not be put on the wire, nor its answer read, until
 * every record is read, and the deadline's timer could not fire. Measured on pg-10 (npm run bench): the
 * journal's round trip then came after the reading instead of under it, about 25 ms of each batch.
 */
export class LoopTurns {
  private last = performance.now();

  /** @param everyMs how much reading may go without a turn of the loop */
  constructor(private readonly everyMs: number) {}

  /** A turn of the loop (one `setImmediate`) if `now` is set or `everyMs` have passed since the last one. */
  async turn(now = false): Promise<void> {
    const at = performance.now();
    if (!now && at - this.last < this.everyMs) return;
    await new Promise((resolve) => setImmediate(resolve));
    this.last = performance.now();
  }
}
