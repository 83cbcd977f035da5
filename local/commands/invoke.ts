import { readFile } from 'node:fs/promises';
import type { FirehoseTransformationEvent } from 'aws-lambda';
import { createTransformer, type TransformerOutcome } from '../../lambda/transformer';
import { ConfigError } from '../../lambda/core/shared/errors';

import { settingsError, UsageError } from './cli';

/** Reads and checks a Firehose data-transformation event file. */
export async function readEventFile(path: string | undefined): Promise<FirehoseTransformationEvent> {
  if (!path) {
    throw new UsageError('give a Firehose event file, e.g. npm run invoke -- events/aurora-postgresql.json');
  }
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read event file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  let event: unknown;
  try {
    event = JSON.parse(text);
  } catch {
    throw new UsageError(`event file ${path} is not JSON`);
  }
  const records = (event as { records?: unknown } | null)?.records;
  if (!Array.isArray(records) || records.some((record) => typeof record?.recordId !== 'string' || typeof record?.data !== 'string')) {
    throw new UsageError(
      `event file ${path} is not a Firehose data-transformation event: it needs a records array of { recordId, data } (see events/)`,
    );
  }
  return event as FirehoseTransformationEvent;
}

/**
 * Runs the transformer, built from the environment exactly as the Lambda handler builds it, on one
 * event, and returns its outcome: the answer for Firehose, the counts and reasons, the requests made.
 * Settings errors become UsageError so the command can say what to set.
 */
export async function invokeTransformer(
  event: FirehoseTransformationEvent,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<TransformerOutcome> {
  try {
    return await createTransformer(env).transform(event);
  } catch (error) {
    if (error instanceof ConfigError) throw settingsError(error);
    throw error;
  }
}
