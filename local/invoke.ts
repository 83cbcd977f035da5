import { readFile } from 'node:fs/promises';
import type { FirehoseTransformationEvent, FirehoseTransformationResult } from 'aws-lambda';
import { createHandler } from '../lambda/handler';
import { ConfigError } from '../lambda/errors';

/** A problem with what the user gave the command (file, settings), as opposed to a failed invocation. */
export class UsageError extends Error {}

/** Reads and checks a Firehose data-transformation event file. */
export async function readEventFile(path: string | undefined): Promise<FirehoseTransformationEvent> {
  if (!path) {
    throw new UsageError('Give a Firehose event file, e.g. npm run invoke -- events/aurora-postgresql.json');
  }
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`Cannot read event file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  let event: unknown;
  try {
    event = JSON.parse(text);
  } catch {
    throw new UsageError(`Event file ${path} is not JSON`);
  }
  const records = (event as { records?: unknown } | null)?.records;
  if (!Array.isArray(records) || records.some((record) => typeof record?.recordId !== 'string' || typeof record?.data !== 'string')) {
    throw new UsageError(
      `Event file ${path} is not a Firehose data-transformation event: it needs a records array of { recordId, data } (see events/)`,
    );
  }
  return event as FirehoseTransformationEvent;
}

/**
 * Runs the Lambda handler, the code that ships, on one event with the current environment.
 * Settings errors become UsageError so the command can say what to set.
 */
export async function invokeHandler(
  event: FirehoseTransformationEvent,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<FirehoseTransformationResult> {
  let handler;
  try {
    handler = createHandler(env);
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message);
    throw error;
  }
  try {
    return await handler(event);
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message);
    throw error;
  }
}
