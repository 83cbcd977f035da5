import type { Context, FirehoseTransformationEvent, FirehoseTransformationResult } from 'aws-lambda';
import { deadlineFor } from './deadline';
import { createTransformer, type Transformer } from './transformer';

export { deadlineFor } from './deadline';

import type { Env } from './settings/kinds';

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

/** The replay function's entry point, in the same bundle so that both functions run the same code. */
export { replayHandler } from './replay-handler';

/**
 * The database source custom resource's entry points (the Provider's onEvent and isComplete), in the
 * same bundle so that one asset serves every function of the stack.
 */
export { onEvent as databaseSourceOnEvent, isComplete as databaseSourceIsComplete } from './database-source-handler';

/** The alert publisher's entry point (S3 notifications for the outbox, and the sweep's schedule), in the same bundle. */
export { alertPublisherHandler } from './alert-publisher-handler';
