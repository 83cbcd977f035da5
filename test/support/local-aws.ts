import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { FirehoseTransformationEvent, FirehoseTransformationResult } from 'aws-lambda';
import { createHandler } from '../../lambda/handler';
import { syntheticEvents } from '../../testkit/das/activity-events';
import { listObjects, readEvents } from '../../local/audit-log/reader';
import { firehoseEvent, mintDasRecord, PROFILES, type Engine, type MintKey } from '../../testkit/das/das-synth';
import { LocalAws, withEnv, type LocalAwsOptions } from '../../testkit/aws/local-aws';
import { LOCAL_NOTIFICATIONS, localFunctions } from '../../local/commands/local-functions';

export { LocalAws, withEnv };

/** Starts the loopback KMS endpoint and S3 server used by integration tests. */
/**
 * Starts the loopback endpoints used by integration tests, hosting the functions the stack deploys
 * (the replay function and the alert publisher, which new outbox objects invoke) unless told otherwise.
 */
export function startLocalAws(options: LocalAwsOptions = {}): Promise<LocalAws> {
  return LocalAws.start({ functions: localFunctions(), notifications: LOCAL_NOTIFICATIONS, ...options });
}

/** A real S3 client for the local server, for reading back what the handler wrote. */
export function s3ClientFor(aws: LocalAws): S3Client {
  return new S3Client({
    endpoint: aws.s3Endpoint,
    forcePathStyle: true,
    region: aws.env.AWS_REGION,
    credentials: { accessKeyId: aws.env.AWS_ACCESS_KEY_ID!, secretAccessKey: aws.env.AWS_SECRET_ACCESS_KEY! },
  });
}

/** Runs the shipped handler (built from the given settings on top of the local endpoints) on an event. */
export async function invokeLocal(
  aws: LocalAws,
  event: FirehoseTransformationEvent,
  settings: Record<string, string> = {},
): Promise<FirehoseTransformationResult> {
  const env = { ...aws.env, ...settings };
  const result = await withEnv(env, () => createHandler(env)(event));
  // What the outbox's notification set going (the alert publisher) finishes before the caller looks.
  await aws.settled();
  return result;
}

export interface BatchSpec {
  readonly engine: Engine;
  readonly records: number;
  readonly eventsPerRecord: number;
  readonly heartbeatShare?: number;
  readonly key?: MintKey;
  readonly batch?: number;
  readonly seed?: number;
}

/** Mints a Firehose event of DAS records for one engine, all on one data key unless given. */
export async function mintBatch(aws: LocalAws, spec: BatchSpec): Promise<{
  event: FirehoseTransformationEvent;
  events: Record<string, unknown>[][];
}> {
  const profile = PROFILES[spec.engine];
  const key = spec.key ?? aws.dataKey(profile.resourceId);
  const events = Array.from({ length: spec.records }, (_, index) =>
    syntheticEvents(spec.engine, spec.eventsPerRecord, {
      seed: (spec.seed ?? 1) * 1000 + index,
      heartbeatShare: spec.heartbeatShare ?? 0,
      start: Date.UTC(2026, 10, 21, 12, 0, 0) + index * 1000,
    }),
  );
  const records = await Promise.all(events.map((list) => mintDasRecord({ engine: spec.engine, events: list, key })));
  return { event: firehoseEvent({ resourceId: profile.resourceId, records, batch: spec.batch }), events };
}

/** Every stored object under events/ with its parsed lines. */
export async function storedObjects(
  aws: LocalAws,
): Promise<Array<{ key: string; events: Record<string, unknown>[]; contentType?: string; contentEncoding?: string }>> {
  const s3 = s3ClientFor(aws);
  const objects = await listObjects(s3, aws.bucket, 'events/');
  return Promise.all(objects.map(async ({ key }) => ({ key, ...(await readEvents(s3, aws.bucket, key)) })));
}

/** Every line stored under events/, as text, object by object. */
export async function storedLines(aws: LocalAws): Promise<string[]> {
  const objects = await listObjects(s3ClientFor(aws), aws.bucket, 'events/');
  const texts = await Promise.all(objects.map(({ key }) => rawObjectText(aws, key)));
  return texts.flatMap((text) => text.split('\n').filter((line) => line.length > 0));
}

/** An object's text exactly as stored, gunzipped. */
export async function rawObjectText(aws: LocalAws, key: string): Promise<string> {
  const object = await s3ClientFor(aws).send(new GetObjectCommand({ Bucket: aws.bucket, Key: key }));
  return gunzipSync(Buffer.from(await object.Body!.transformToByteArray())).toString('utf8');
}

/** An Ok record's receipt (lambda/core/transform/receipt.ts). */
export interface OkReceipt {
  readonly sequenceNumber?: string;
  readonly subsequenceNumber?: number;
  readonly arrival: number;
  readonly events: number;
}

/** Decodes an Ok record's data: base64 → one JSON line, uncompressed (anything else fails the test). */
export function okReceipt(data: string | undefined): OkReceipt {
  const text = Buffer.from(data ?? '', 'base64').toString('utf8');
  if (!/^\{[^\n]*\}\n$/.test(text)) throw new Error(`Ok data is not one JSON line: ${JSON.stringify(text.slice(0, 80))}`);
  return JSON.parse(text) as OkReceipt;
}
