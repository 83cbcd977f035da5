import type { Context, FirehoseTransformationEvent, FirehoseTransformationResult } from 'aws-lambda';
import { createTransformer, type Transformer } from './transformer';

type Env = Readonly<Record<string, string | undefined>>;

export type FirehoseHandler = (
  event: FirehoseTransformationEvent,
  context?: Pick<Context, 'getRemainingTimeInMillis'>,
) => Promise<FirehoseTransformationResult>;

/**
 * Time kept back from the function's timeout: the last part of it, at most 10 s, is for removing what
 * a batch that ran out of time had written and for answering, so the function fails with a message
 * instead of being killed mid-write.
 */
export function deadlineFor(remainingMs: number, now: number): { deadline: number; rollbackMs: number } {
  const reserve = Math.min(10_000, Math.floor(remainingMs / 5));
  return { deadline: now + remainingMs - reserve, rollbackMs: Math.floor(reserve * 0.8) };
}

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
