import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { FirehoseTransformationEvent, FirehoseTransformationResult } from 'aws-lambda';
import { mapConcurrent } from '../../lambda/core/shared/concurrency';
import { batchObjectName } from '../../lambda/core/shared/partition';
import { syntheticEvents } from '../../testkit/das/activity-events';
import { firehoseEvent, mintDasRecord, PROFILES, type Engine } from '../../testkit/das/das-synth';
import type { LocalAws } from '../../testkit/aws/local-aws';
import { batchViolations } from '../../testkit/fuzz/invariants';
import { mutant, seeded, type Layer } from '../../testkit/fuzz/mutations';
import { referenceOutcome, type ReferenceOutcome } from '../../testkit/fuzz/reference-reader';

export type Handler = (event: FirehoseTransformationEvent) => Promise<FirehoseTransformationResult>;

export interface FuzzOptions {
  readonly aws: LocalAws;
  /** The handler under test: the bundled asset's, or the source's. Its environment must point at `aws`. */
  readonly handler: Handler;
  /** Mutated records in all. */
  readonly mutants: number;
  /** Good records per mutated one. @default 0.25 */
  readonly goodPerMutant?: number;
  /** Records per Firehose batch. @default 100 */
  readonly batchSize?: number;
  /** @default 1 */
  readonly seed?: number;
  /** Only these layers. @default all */
  readonly layers?: readonly Layer[];
  /** Captures the handler's log lines while `fn` runs, for the log checks. */
  readonly captureLogs: <T>(fn: () => Promise<T>) => Promise<{ value: T; logs: string }>;
  readonly progress?: (done: number, total: number) => void;
}

export interface FuzzReport {
  readonly batches: number;
  readonly records: number;
  readonly mutants: number;
  /** Mutants by expected outcome: still readable (Ok or Dropped) or failing. */
  readonly expected: { readonly kept: number; readonly dropped: number; readonly failing: number };
  /** Answers by result, over all records. */
  readonly answers: Record<string, number>;
  /** Mutants by layer and edit. */
  readonly labels: Record<string, number>;
  /** Every broken invariant: batch number, what broke, and which edits the batch held. */
  readonly violations: ReadonlyArray<{ readonly batch: number; readonly problems: readonly string[]; readonly labels: readonly string[] }>;
}

/** A string planted in every event's database name, SQL text and parameters: it must never appear in a log line. */
const CANARY = 'canary-9f3b1c';

/**
 * Runs mutated DAS records, mixed with good ones, through a handler in Firehose batches, and checks
 * each batch's answers and stored objects against what the reference reader says each record should
 * give. Also checks that no log line carries SQL text, parameters or key material.
 */
export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const random = seeded(options.seed ?? 1);
  const batchSize = options.batchSize ?? 100;
  const goodPerMutant = options.goodPerMutant ?? 0.25;
  const s3 = new S3Client({
    endpoint: options.aws.s3Endpoint,
    forcePathStyle: true,
    region: options.aws.env.AWS_REGION,
    credentials: { accessKeyId: options.aws.env.AWS_ACCESS_KEY_ID!, secretAccessKey: options.aws.env.AWS_SECRET_ACCESS_KEY! },
  });
  const dataKeys = new Map<string, Uint8Array>();
  const done: Array<{
    batch: number;
    event: FirehoseTransformationEvent;
    result: FirehoseTransformationResult | undefined;
    expected: ReferenceOutcome[];
    name: string;
    problems: string[];
    labels: string[];
  }> = [];
  const report = {
    batches: 0,
    records: 0,
    mutants: 0,
    expected: { kept: 0, dropped: 0, failing: 0 },
    answers: {} as Record<string, number>,
    labels: {} as Record<string, number>,
    violations: [] as Array<{ batch: number; problems: string[]; labels: string[] }>,
  };

  try {
    while (report.mutants < options.mutants) {
      const batch = report.batches++;
      const engine: Engine = batch % 4 === 3 ? 'aurora-mysql' : 'aurora-postgresql';
      const profile = PROFILES[engine];
      const key = options.aws.dataKey(profile.resourceId);
      dataKeys.set(Buffer.from(key.blob, 'base64').toString('hex'), key.plaintext);

      const payloads: Array<{ bytes: Buffer } | { base64: string }> = [];
      const labels: string[] = [];
      for (let index = 0; index < batchSize && report.mutants < options.mutants; index++) {
        const events = syntheticEvents(engine, 2 + Math.floor(random() * 6), {
          seed: batch * 1000 + index,
          heartbeatShare: 0.2,
          start: Date.UTC(2026, 10, 21, 12, 0, 0) + index * 1000,
        }).map((event) =>
          event.type === 'heartbeat'
            ? event
            : { ...event, databaseName: `db_${CANARY}`, commandText: `${String(event.commandText)} /* ${CANARY} */`, paramList: [CANARY] },
        );
        const layers = { profile, key, suite: profile.suite, frameLength: profile.frameLength, events };
        if (random() < goodPerMutant / (1 + goodPerMutant)) {
          payloads.push({ bytes: Buffer.from(await mintDasRecord({ engine, events, key })) });
          labels.push('good');
        } else {
          const made = await mutant(random, { ...layers }, options.layers ? options.layers[Math.floor(random() * options.layers.length)] : undefined);
          payloads.push(made.data);
          labels.push(made.label);
          report.mutants += 1;
          report.labels[made.label] = (report.labels[made.label] ?? 0) + 1;
        }
      }

      const event = firehoseEvent({ resourceId: profile.resourceId, records: payloads.map(() => ''), batch });
      event.records.forEach((record, index) => {
        const payload = payloads[index]!;
        record.data = 'base64' in payload ? payload.base64 : payload.bytes.toString('base64');
      });
      const expected: ReferenceOutcome[] = [];
      for (const [index, record] of event.records.entries()) {
        const outcome = await referenceOutcome(record.data, { dataKeys, maxDecompressedBytes: 64 * 1024 * 1024, maxEvents: 100_000 });
        expected.push(outcome);
        if (labels[index] === 'good') continue;
        if (outcome === 'fail') report.expected.failing += 1;
        else if (outcome.length === 0) report.expected.dropped += 1;
        else report.expected.kept += 1;
      }

      const { value, logs } = await options.captureLogs(() => options.handler(event).then((result) => ({ result }), (error: unknown) => ({ error })));
      const problems: string[] = [];
      let result: FirehoseTransformationResult | undefined;
      if ('error' in value) {
        problems.push(`the invocation threw: ${value.error instanceof Error ? value.error.message : String(value.error)}`);
      } else {
        result = value.result;
        for (const answer of result.records) report.answers[answer.result] = (report.answers[answer.result] ?? 0) + 1;
      }
      problems.push(...logLeaks(logs, key.plaintext));
      const name = batchObjectName(profile.resourceId, event.records.map((record) => record.recordId));
      done.push({ batch, event, result, expected, name, problems, labels: labels.filter((label) => label !== 'good') });
      report.records += event.records.length;
      options.progress?.(report.mutants, options.mutants);
    }
    // The stored side is read once at the end: objects are named after their batch.
    const stored = await linesByBatch(s3, options.aws.bucket);
    for (const item of done) {
      const problems = [...item.problems, ...batchViolations(item.event, item.result, stored.get(item.name) ?? [], { records: item.expected })];
      if (problems.length > 0) report.violations.push({ batch: item.batch, problems, labels: item.labels });
    }
  } finally {
    s3.destroy();
  }
  return report;
}

/** The lines of every object under events/, by the batch name that ends each object's key. */
async function linesByBatch(s3: S3Client, bucket: string): Promise<Map<string, string[]>> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'events/', ContinuationToken: token }));
    for (const item of page.Contents ?? []) if (item.Key) keys.push(item.Key);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  const byBatch = new Map<string, string[]>();
  await mapConcurrent(keys, 16, async (key) => {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const text = gunzipSync(Buffer.from(await object.Body!.transformToByteArray())).toString('utf8');
    const name = key.slice(key.lastIndexOf('/') + 1).replace(/\.jsonl\.gz$/, '');
    const lines = byBatch.get(name) ?? [];
    lines.push(...text.split('\n').filter(Boolean));
    byBatch.set(name, lines);
  });
  return byBatch;
}

/** Log lines that carry what must never be logged: SQL text or parameters (the canary), or the data key. */
function logLeaks(logs: string, dataKey: Uint8Array): string[] {
  const secrets = [CANARY, Buffer.from(dataKey).toString('base64'), Buffer.from(dataKey).toString('hex')];
  return logs
    .split('\n')
    .filter((line) => secrets.some((secret) => line.includes(secret)))
    .map(() => 'a log line carries SQL text, parameters or key material');
}
