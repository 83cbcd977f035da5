import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, FirehoseTransformationEvent, FirehoseTransformationResult } from 'aws-lambda';
import { createTransformer, type Transformer, type TransformerCounters } from './transformer';

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

/**
 * Builds the Lambda handler: the transformer once per container, then per batch one summary log line
 * and one line per failed record: IDs, counts and reasons, never content.
 */
export function createHandler(env: Env = process.env, transformer: Transformer = createTransformer(env)): FirehoseHandler {
  const logger = new Logger({ serviceName: env.POWERTOOLS_SERVICE_NAME ?? 'das-firehose' });
  return async (event, context) => {
    const before = transformer.counters();
    const timing = context ? deadlineFor(context.getRemainingTimeInMillis(), Date.now()) : {};
    let outcome;
    try {
      outcome = await transformer.transform(event, timing);
    } catch (error) {
      logger.error('batch failed', {
        invocationId: event?.invocationId,
        records: Array.isArray(event?.records) ? event.records.length : undefined,
        reason: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
        ...requests(before, transformer.counters()),
      });
      throw error;
    }
    const { failures, ...counts } = outcome.summary;
    for (const { recordId, reason } of failures) logger.warn('record failed', { recordId, reason });
    logger.info('batch transformed', { invocationId: event.invocationId, ...counts, ...requests(before, transformer.counters()) });
    return outcome.result;
  };
}

function requests(before: TransformerCounters, after: TransformerCounters): Record<string, number> {
  return {
    kmsCalls: after.kmsCalls - before.kmsCalls,
    s3Puts: after.s3Puts - before.s3Puts,
    s3Deletes: after.s3Deletes - before.s3Deletes,
    journalPuts: after.journalPuts - before.journalPuts,
  };
}

let instance: FirehoseHandler | undefined;

/**
 * The Lambda entry point. Built at first use so that importing this module never reads settings;
 * in Lambda that happens in the first invocation of each container.
 */
export const handler: FirehoseHandler = (event, context) => (instance ??= createHandler())(event, context);
