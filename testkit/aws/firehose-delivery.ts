import { gzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { FirehoseTransformationEvent, FirehoseTransformationResult } from 'aws-lambda';
import { FIREHOSE_FILE_EXTENSION, firehoseErrorOutputPrefix, firehoseOkPrefix } from '../../lib/bucket-layout';
import { PROCESSING_FAILED_STATUS } from '../../lambda/core/replay/error-output';

/**
 * What Firehose does around the transformer, done locally, from Firehose's documentation ("Handle failure
 * in data transformation"):
 * - it invokes the transformer and, when the invocation fails, retries it (3 times by default);
 * - the Ok records' data (one receipt line each), concatenated in order and gzipped as one stream (the
 *   stack's `CompressionFormat: GZIP`), becomes one object under the delivery stream's prefix
 *   (`firehose/ok/…`), named and stamped the way Firehose names and stamps them;
 * - records answered ProcessingFailed, and every record of an invocation that failed after the retries,
 *   go to the error output prefix (`firehose/failed/…/type=processing-failed/…`) as Firehose's error
 *   records, one JSON object per line with the original data in `rawData`: what `npm run replay` re-drives.
 *
 * Firehose buffers for up to 5 minutes and may put several invocations in one object; locally each
 * invocation is one object, which changes nothing a query or a re-drive sees.
 *
 * Objects keep Firehose's name shape, `<delivery stream>-<version>-<yyyy-MM-dd-HH-mm-ss>-<random part>`,
 * but the last part is not random here: it is the first 8 hex digits of a SHA-256 of the batch's record
 * IDs, and the time is the oldest arrival of the records in the object (as the prefix's is). Real
 * Firehose reads each Kinesis record once, so a random part never meets its twin; locally, invoking the
 * same event file again is sending the same records again, and a random name would add a second copy
 * each time. Named
 * from the batch, a re-invoked file replaces its own objects under `firehose/ok/` and `firehose/failed/`.
 */

/** The object Firehose would have written, if any record was Ok. */
export interface FirehoseDelivery {
  readonly key: string;
  readonly records: number;
  readonly bytes: number;
}

export interface DeliveryTarget {
  readonly s3: S3Client;
  readonly bucket: string;
  /** The database the delivery stream carries: its folder under `firehose/ok/`. */
  readonly resourceId: string;
}

/** Writes the Ok records of one invocation as Firehose would deliver them; nothing when none is Ok. */
export async function deliverOkRecords(
  target: DeliveryTarget,
  event: FirehoseTransformationEvent,
  result: FirehoseTransformationResult,
): Promise<FirehoseDelivery | undefined> {
  const arrivals = new Map(event.records.map((record) => [record.recordId, record.approximateArrivalTimestamp]));
  const ok = result.records.filter((record) => record.result === 'Ok' && record.data !== undefined);
  if (ok.length === 0) return undefined;
  const body = gzipSync(Buffer.concat(ok.map((record) => Buffer.from(record.data as string, 'base64'))));
  const oldest = new Date(Math.min(...ok.map((record) => arrivals.get(record.recordId) ?? Date.now())));
  const key = `${expandPrefix(firehoseOkPrefix(target.resourceId), oldest)}${objectName(event, oldest)}${FIREHOSE_FILE_EXTENSION}`;
  await target.s3.send(new PutObjectCommand({ Bucket: target.bucket, Key: key, Body: body }));
  return { key, records: ok.length, bytes: body.length };
}

/** The error code and message Firehose writes for a record that failed, and how many attempts it made. */
export interface FailedRecord {
  readonly recordId: string;
  readonly errorCode: string;
  readonly errorMessage: string;
}

/** The function ARN the local error records name (Firehose writes the transformer's). */
export const LOCAL_TRANSFORMER_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:das-firehose-local-transformer';

/** Writes Firehose's error records for `failed` records of the event; nothing when there are none. */
export async function deliverErrorOutput(
  target: DeliveryTarget,
  event: FirehoseTransformationEvent,
  failed: readonly FailedRecord[],
  attempt: { readonly attemptsMade: number; readonly endedAt: number; readonly lambdaArn?: string },
): Promise<FirehoseDelivery | undefined> {
  if (failed.length === 0) return undefined;
  const records = new Map(event.records.map((record) => [record.recordId, record]));
  const lines = failed.map((item) => {
    const record = records.get(item.recordId);
    return `${JSON.stringify({
      attemptsMade: attempt.attemptsMade,
      arrivalTimestamp: record?.approximateArrivalTimestamp ?? attempt.endedAt,
      errorCode: item.errorCode,
      errorMessage: item.errorMessage,
      attemptEndingTimestamp: attempt.endedAt,
      rawData: record?.data ?? '',
      lambdaArn: attempt.lambdaArn ?? LOCAL_TRANSFORMER_ARN,
    })}\n`;
  });
  const oldest = new Date(Math.min(...failed.map((item) => records.get(item.recordId)?.approximateArrivalTimestamp ?? attempt.endedAt)));
  const key = `${expandPrefix(firehoseErrorOutputPrefix(target.resourceId), oldest, 'processing-failed')}${objectName(event, oldest)}`;
  const body = Buffer.from(lines.join(''));
  await target.s3.send(new PutObjectCommand({ Bucket: target.bucket, Key: key, Body: body }));
  return { key, records: failed.length, bytes: body.length };
}

/** What the transformer gave for a batch, as far as Firehose's delivery needs it. */
export interface TransformerAnswer {
  readonly result: FirehoseTransformationResult;
  readonly summary: { readonly failures: ReadonlyArray<{ readonly recordId: string; readonly reason: string }> };
}

/** One batch through Firehose's hands: the attempts, the answer if one came, and what was delivered where. */
export interface FirehoseRun<T extends TransformerAnswer> {
  readonly attempts: number;
  readonly answer?: T;
  /** The last attempt's error, when every attempt failed. */
  readonly error?: unknown;
  readonly ok?: FirehoseDelivery;
  readonly failed?: FirehoseDelivery;
}

/** Firehose's default `NumberOfRetries` for the transformer (the stack's too). */
export const FIREHOSE_RETRIES = 3;

/**
 * Invokes the transformer as Firehose does (retrying a failed invocation `retries` times) and delivers
 * the outcome: Ok records under `firehose/ok/`, ProcessingFailed records (or every record, when all
 * attempts failed) under `firehose/failed/`.
 */
export async function runLikeFirehose<T extends TransformerAnswer>(
  target: DeliveryTarget,
  event: FirehoseTransformationEvent,
  invoke: () => Promise<T>,
  options: { readonly retries?: number; readonly lambdaArn?: string } = {},
): Promise<FirehoseRun<T>> {
  const retries = options.retries ?? FIREHOSE_RETRIES;
  // Firehose stamps every record with its arrival before invoking the transformer, and its error output
  // keeps that stamp: a hand-written event without one gets it here, so both sides agree on it (the
  // transformer files its journal by arrival, and the re-drive looks it up by the error output's).
  const received = Date.now();
  for (const record of event.records) {
    if (!Number.isFinite(record.approximateArrivalTimestamp)) record.approximateArrivalTimestamp = received;
  }
  let error: unknown;
  for (let attempt = 1; attempt <= retries + 1; attempt++) {
    let answer: T;
    try {
      answer = await invoke();
    } catch (caught) {
      error = caught;
      continue;
    }
    const failedRecords = answer.result.records
      .filter((record) => record.result === 'ProcessingFailed')
      .map((record) => ({
        recordId: record.recordId,
        errorCode: PROCESSING_FAILED_STATUS,
        // Firehose's own words: the reason stays in the transformer's log line (record failed).
        errorMessage: 'ProcessingFailed status set for record',
      }));
    const [ok, failed] = await Promise.all([
      deliverOkRecords(target, event, answer.result),
      deliverErrorOutput(target, event, failedRecords, { attemptsMade: attempt, endedAt: Date.now(), ...(options.lambdaArn ? { lambdaArn: options.lambdaArn } : {}) }),
    ]);
    return { attempts: attempt, answer, ...(ok ? { ok } : {}), ...(failed ? { failed } : {}) };
  }
  // Firehose skips the batch: every record goes to the error output, with the invocation's error.
  const failedRecords = event.records.map((record) => ({
    recordId: record.recordId,
    errorCode: 'Lambda.FunctionError',
    errorMessage: 'The Lambda function was successfully invoked but it returned an error result.',
  }));
  const failed = await deliverErrorOutput(target, event, failedRecords, {
    attemptsMade: retries + 1,
    endedAt: Date.now(),
    ...(options.lambdaArn ? { lambdaArn: options.lambdaArn } : {}),
  });
  return { attempts: retries + 1, error, ...(failed ? { failed } : {}) };
}

/**
 * Fills a Firehose prefix's expressions: `!{timestamp:<pattern>}` (UTC, the Java date pattern letters
 * yyyy, MM, dd, HH, mm, ss) and `!{firehose:error-output-type}`. Anything else is refused, so a prefix
 * that changes in the stack cannot silently go unemulated here.
 */
export function expandPrefix(template: string, at: Date, errorOutputType?: string): string {
  return template.replace(/!\{([^}]*)\}/g, (expression, body: string) => {
    if (body === 'firehose:error-output-type') {
      if (errorOutputType === undefined) throw new Error(`${expression} needs an error output type`);
      return errorOutputType;
    }
    const pattern = /^timestamp:(.+)$/.exec(body)?.[1];
    if (pattern === undefined) throw new Error(`unsupported Firehose prefix expression ${expression}`);
    return pattern.replace(/yyyy|MM|dd|HH|mm|ss|[A-Za-z]/g, (letters) => {
      const field = TIME_FIELDS[letters];
      if (!field) throw new Error(`unsupported date pattern letters "${letters}" in ${expression}`);
      return field(at);
    });
  });
}

const two = (value: number) => String(value).padStart(2, '0');

const TIME_FIELDS: Record<string, (at: Date) => string> = {
  yyyy: (at) => String(at.getUTCFullYear()),
  MM: (at) => two(at.getUTCMonth() + 1),
  dd: (at) => two(at.getUTCDate()),
  HH: (at) => two(at.getUTCHours()),
  mm: (at) => two(at.getUTCMinutes()),
  ss: (at) => two(at.getUTCSeconds()),
};

/**
 * `<delivery stream>-<version>-<yyyy-MM-dd-HH-mm-ss>-<8 hex>`, as Firehose names its objects, the last
 * part from the batch's record IDs rather than random, so the same batch gets the same name (see above).
 */
function objectName(event: FirehoseTransformationEvent, at: Date): string {
  const stream = event.deliveryStreamArn?.split('/').pop() || 'das-firehose-local';
  const batch = createHash('sha256');
  for (const record of event.records) batch.update(`${record.recordId}\n`);
  return `${stream}-1-${expandPrefix('!{timestamp:yyyy-MM-dd-HH-mm-ss}', at)}-${batch.digest('hex').slice(0, 8)}`;
}
