import { gunzipSync } from 'node:zlib';
import { performance } from 'node:perf_hooks';
import type { FirehoseTransformationEvent } from 'aws-lambda';
import {
  buildClient,
  CommitmentPolicy,
  RawAesKeyringNode,
  RawAesWrappingSuiteIdentifier,
} from '@aws-crypto/client-node';
import { DecryptCommand, type KMSClient } from '@aws-sdk/client-kms';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { encryptionContextFor } from '../../lambda/core/shared/resource';
import type { Workload } from './workloads';

/** The per-event strategy measured on a subset of a batch, and extrapolated to the whole batch. */
export interface PerEventResult {
  /** Records of the batch it ran on (evenly spaced through the batch). */
  readonly sampledRecords: number;
  readonly totalRecords: number;
  readonly measuredMs: number;
  readonly kmsCalls: number;
  readonly s3Puts: number;
  /** measuredMs / sampledRecords × totalRecords. */
  readonly extrapolatedMs: number;
  /** KMS calls and PUTs it would send for the whole batch: one per record, one per kept event. */
  readonly batchKmsCalls: number;
  readonly batchS3Puts: number;
  /**
   * The same strategy computed rather than run: the floor's measured decrypt CPU plus the configured
   * latencies for one KMS call per record and one PUT per kept event, each in sequence. A lower bound:
   * it leaves out each request's own client and server time.
   */
  readonly modelledMs: number;
}

const decryptClient = buildClient({ commitmentPolicy: CommitmentPolicy.REQUIRE_ENCRYPT_ALLOW_DECRYPT, maxEncryptedDataKeys: 1 });

/**
 * The strategy of AWS's public sample, made correct enough to compare (one decrypt per record rather
 * than two, every event kept under its own key rather than overwritten): for each record in turn,
 * one KMS Decrypt, a new keyring, decrypt, gunzip, parse, then one PutObject per non-heartbeat event,
 * in sequence. Runs for real against the same local endpoints, on records spread through the batch,
 * until it has spent `requestBudget` round trips.
 */
export async function runPerEvent(
  workload: Workload,
  event: FirehoseTransformationEvent,
  clients: { kms: KMSClient; s3: S3Client; bucket: string },
  requestBudget: number,
  model: { floorCpuMs: number; kmsLatencyMs: number; s3LatencyMs: number },
): Promise<PerEventResult> {
  const context = encryptionContextFor(workload.resourceId);
  const total = event.records.length;
  const sample = sampleIndexes(
    total,
    workload.records.map((record) => 1 + record.events.filter((item) => item.type !== 'heartbeat').length),
    requestBudget,
  );
  let kmsCalls = 0;
  let s3Puts = 0;
  const start = performance.now();
  for (const index of sample) {
    const record = event.records[index] as FirehoseTransformationEvent['records'][number];
    const envelope = JSON.parse(Buffer.from(record.data, 'base64').toString('utf8')) as { key: string; databaseActivityEvents: string };
    kmsCalls += 1;
    const { Plaintext } = await clients.kms.send(
      new DecryptCommand({ CiphertextBlob: Buffer.from(envelope.key, 'base64'), EncryptionContext: context }),
    );
    const keyring = new RawAesKeyringNode({
      keyNamespace: 'BC',
      keyName: 'DataKey',
      unencryptedMasterKey: new Uint8Array(Plaintext as Uint8Array),
      wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
    });
    const { plaintext } = await decryptClient.decrypt(keyring, Buffer.from(envelope.databaseActivityEvents, 'base64'));
    const activity = JSON.parse(gunzipSync(plaintext).toString('utf8')) as { databaseActivityEventList: Record<string, unknown>[] };
    let position = 0;
    for (const item of activity.databaseActivityEventList) {
      position += 1;
      if (item.type === 'heartbeat') continue;
      s3Puts += 1;
      const day = String(item.logTime ?? '').slice(0, 10).replace(/-/g, '/');
      await clients.s3.send(
        new PutObjectCommand({
          Bucket: clients.bucket,
          Key: `bench-per-event/${String(item.command)}/${day}/${record.recordId}-${position}.txt`,
          Body: JSON.stringify(item),
        }),
      );
    }
  }
  const measuredMs = performance.now() - start;
  const batchS3Puts = workload.keptEvents;
  return {
    sampledRecords: sample.length,
    totalRecords: total,
    measuredMs,
    kmsCalls,
    s3Puts,
    extrapolatedMs: (measuredMs / sample.length) * total,
    batchKmsCalls: total,
    batchS3Puts,
    modelledMs: model.floorCpuMs + total * model.kmsLatencyMs + batchS3Puts * model.s3LatencyMs,
  };
}

/**
 * Indexes of records spread evenly through the batch, as many as fit in the round-trip budget
 * (each record costs its `costs` entry), at least one.
 */
export function sampleIndexes(total: number, costs: readonly number[], budget: number): number[] {
  if (total === 0) return [];
  const average = costs.reduce((sum, cost) => sum + cost, 0) / total;
  const count = Math.max(1, Math.min(total, Math.floor(budget / Math.max(average, 1))));
  return Array.from({ length: count }, (_, index) => Math.floor(((index + 0.5) * total) / count));
}
