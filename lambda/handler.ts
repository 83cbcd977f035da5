import type { Context, FirehoseTransformationEvent, FirehoseTransformationResult } from 'aws-lambda';
import { deadlineFor } from './deadline';
import { createTransformer, type Transformer } from './transformer';

export { deadlineFor } from './deadline';

import type { Env } from './settings/kinds';
import type { ReplayHandler } from './replay-handler';
import type { AlertPublisherHandler } from './alert-publisher-handler';
import type { DatabaseSourceHandlers } from './database-source-handler';

export type FirehoseHandler = (
  event: FirehoseTransformationEvent,
  context?: Pick<Context, 'getRemainingTimeInMillis'>,
) => Promise<FirehoseTransformationResult>;

/** The Lambda handler around a transformer: the deadline from Lambda's context, the answer for Firehose. */
export function createHandler(env: Env = process.env, transformer: Transformer = createTransformer(env)): FirehoseHandler {
  return async (event, context) => {
    const timing = context ? deadlineFor(context.getRemainingTimeInMillis(), Date.now()) : {};
    return (await transformer.transform(event, timing)).result;
  };
}

let instance: FirehoseHandler | undefined;

/**
 * The Lambda entry point. Built at first use so that importing this module never reads settings;
 * in Lambda that happens in the first invocation of each container.
 */
export const handler: FirehoseHandler = (event, context) => (instance ??= createHandler())(event, context);

/*
 * The other functions' entry points: their functions share this module's bundle (the transformer has one
 * of its own, lambda/transformer-entry.ts). Each is loaded on its first call, so that a function never
 * evaluates the clients only the others use (measured with `npm run bench`'s cold start, see
 * docs/performance.md).
 */

/** The replay function's entry point. */
export const replayHandler: ReplayHandler = async (request, context) => (await import('./replay-handler')).replayHandler(request, context);

/** The database source custom resource's entry points (the Provider's onEvent and isComplete). */
export const databaseSourceOnEvent: DatabaseSourceHandlers['onEvent'] = async (request) => (await import('./database-source-handler')).onEvent(request);
export const databaseSourceIsComplete: DatabaseSourceHandlers['isComplete'] = async (request) => (await import('./database-source-handler')).isComplete(request);

/** The alert publisher's entry point (S3 notifications for the outbox, and the sweep's schedule). */
export const alertPublisherHandler: AlertPublisherHandler = async (event, context) => (await import('./alert-publisher-handler')).alertPublisherHandler(event, context);
