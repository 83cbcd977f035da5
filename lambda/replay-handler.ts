import type { Context } from 'aws-lambda';
import { utcHour, type ReplayReport } from './core/replay/replay';
import { isResourceId } from './core/shared/resource';
import { deadlineFor } from './deadline';
import { createReplayer, type Replayer } from './replayer';

/**
 * What `npm run replay -- --function <name>` sends the replay function: the same choices as the
 * command's options. Times are UTC hours (`YYYY-MM-DD` or `YYYY-MM-DDTHH`) of the error output's folders.
 */
export interface ReplayRequest {
  readonly since?: string;
  readonly until?: string;
  readonly resourceId?: string;
  readonly dryRun?: boolean;
  /** Where an earlier call that ran out of time said to go on (its report's `resumeAt`). */
  readonly startAt?: string;
}

/**
 * Time kept back from the function's timeout: no new object is started in the last minute, so a run
 * ends with a report (saying it is not complete) instead of being killed; the command calls again.
 */
export const RESERVE_MS = 60_000;

import type { Env } from './settings/kinds';

export type ReplayHandler = (request: ReplayRequest | null | undefined, context?: Pick<Context, 'getRemainingTimeInMillis'>) => Promise<ReplayReport>;

/** The replay function's handler around a replayer built from `env` at the first call. */
export function createReplayHandler(env: Env = process.env): ReplayHandler {
  let replayer: Replayer | undefined;
  return async (request, context) => {
    const input = request ?? {};
    const since = input.since === undefined ? undefined : utcHour(String(input.since), 'since');
    const until = input.until === undefined ? undefined : utcHour(String(input.until), 'until');
    const problems: string[] = [];
    if (input.since !== undefined && since === undefined) problems.push(`since must be a UTC date or hour, e.g. 2026-11-21 or 2026-11-21T09; got "${input.since}"`);
    if (input.until !== undefined && until === undefined) problems.push(`until must be a UTC date or hour, e.g. 2026-11-21 or 2026-11-21T17; got "${input.until}"`);
    if (input.resourceId !== undefined && !isResourceId(String(input.resourceId))) {
      problems.push(`resourceId must be a cluster-… or db-… resource ID; got "${input.resourceId}"`);
    }
    if (problems.length > 0) throw new Error(`Invalid replay request: ${problems.join('; ')}`);
    const now = Date.now();
    const remaining = context?.getRemainingTimeInMillis();
    // No new object in the last minute; a batch under way may run to the transformer's own deadline.
    const deadline = remaining !== undefined ? now + Math.max(0, remaining - RESERVE_MS) : undefined;
    const transformOptions = remaining !== undefined ? deadlineFor(remaining, now) : undefined;
    return (replayer ??= createReplayer(env)).run({
      ...(since !== undefined ? { since } : {}),
      ...(until !== undefined ? { until } : {}),
      ...(input.resourceId ? { resourceId: String(input.resourceId) } : {}),
      ...(typeof input.startAt === 'string' ? { startAt: input.startAt } : {}),
      dryRun: input.dryRun === true,
      ...(deadline !== undefined ? { deadline } : {}),
      ...(transformOptions ? { transformOptions } : {}),
    });
  };
}

let instance: ReplayHandler | undefined;

/** The replay function's entry point: re-drives the error output with the function's own role. */
export const replayHandler: ReplayHandler = (request, context) => (instance ??= createReplayHandler())(request, context);
