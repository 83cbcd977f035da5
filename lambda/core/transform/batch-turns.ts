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
