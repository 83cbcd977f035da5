import { randomUUID } from 'node:crypto';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { FirehoseTransformationEvent, FirehoseTransformationResult } from 'aws-lambda';
import { FIREHOSE_FILE_EXTENSION, firehoseOkPrefix } from '../../lib/bucket-layout';

/**
 * What Firehose does with the transformer's answer once it has it, done locally: the Ok records'
 * data, concatenated in order, as one object under the delivery stream's prefix (`firehose/ok/…`),
 * named and stamped the way Firehose names and stamps them. The local `events` table reads these
 * objects as Athena reads Firehose's, so `npm run query` sees what the account would.
 *
 * Firehose buffers for up to 5 minutes and may put several invocations in one object; locally each
 * invocation is one object, which changes nothing a query sees.
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
  const body = Buffer.concat(ok.map((record) => Buffer.from(record.data as string, 'base64')));
  const oldest = new Date(Math.min(...ok.map((record) => arrivals.get(record.recordId) ?? Date.now())));
  const key = `${expandPrefix(firehoseOkPrefix(target.resourceId), oldest)}${objectName(event, oldest)}${FIREHOSE_FILE_EXTENSION}`;
  await target.s3.send(new PutObjectCommand({ Bucket: target.bucket, Key: key, Body: body }));
  return { key, records: ok.length, bytes: body.length };
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

/** `<delivery stream>-<version>-<yyyy-MM-dd-HH-mm-ss>-<random>`, as Firehose names its objects. */
function objectName(event: FirehoseTransformationEvent, at: Date): string {
  const stream = event.deliveryStreamArn?.split('/').pop() || 'das-firehose-local';
  return `${stream}-1-${expandPrefix('!{timestamp:yyyy-MM-dd-HH-mm-ss}', at)}-${randomUUID()}`;
}
