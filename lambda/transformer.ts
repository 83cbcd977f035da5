import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import type { FirehoseTransformationEvent } from 'aws-lambda';
import { loadConfig, type Config } from './config';
import { EncryptionSdkDecrypter } from './adapters/encryption-sdk-decrypter';
import { KmsDataKeyProvider } from './adapters/kms-data-key-provider';
import { S3BatchJournal } from './adapters/s3-batch-journal';
import { S3EventStore } from './adapters/s3-event-store';
import { transformBatch, type BatchOutcome, type TransformDeps, type TransformOptions } from './core/transform-batch';

type Env = Readonly<Record<string, string | undefined>>;

/** Requests the transformer sent since it was built, by kind. */
export interface TransformerCounters {
  readonly kmsCalls: number;
  readonly s3Puts: number;
  readonly s3Deletes: number;
  readonly journalPuts: number;
}

/** The transformer with its settings, clients and caches: built once, used for every batch. */
export interface Transformer {
  readonly config: Config;
  transform(event: FirehoseTransformationEvent, options?: TransformOptions): Promise<BatchOutcome>;
  counters(): TransformerCounters;
}

/** Replaces parts of the transformer, for benchmarks that compare variants of the core's settings. */
export type TransformerOverrides = Partial<Pick<TransformDeps, 'recordConcurrency' | 'gzipLevel' | 'responseGzipLevel'>>;

/**
 * Builds the transformer from an environment: the one place its settings, SDK clients and adapters are
 * put together, for the Lambda handler, the local commands and the benchmark alike.
 *
 * Endpoints and credentials come from the SDK's standard configuration (`AWS_REGION`,
 * `AWS_ENDPOINT_URL_KMS`, `AWS_ENDPOINT_URL_S3`, …), so the same code runs in Lambda and against local
 * servers. A custom S3 endpoint gets path-style addressing: S3-compatible servers on a host name like
 * `localhost` cannot serve virtual-hosted buckets.
 *
 * @throws ConfigError naming the setting that is missing or malformed, with an example.
 */
export function createTransformer(env: Env = process.env, overrides: TransformerOverrides = {}): Transformer {
  const config = loadConfig(env);
  // Without these the SDK waits forever on a request nobody answers: a stuck PUT would hold the
  // invocation until Lambda's timeout, where a fresh attempt (the SDK retries timeouts) succeeds in seconds.
  const requestHandler = {
    connectionTimeout: config.sdkTimeouts.connectionMs,
    requestTimeout: config.sdkTimeouts.requestMs,
    throwOnRequestTimeout: true,
  };
  const kms = new KMSClient({ requestHandler });
  const s3 = new S3Client({ forcePathStyle: Boolean(env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL), requestHandler });
  const dataKeys = new KmsDataKeyProvider(kms, {
    maxEntries: config.dataKeyCacheSize,
    ttlSeconds: config.dataKeyCacheTtlSeconds,
  });
  const store = new S3EventStore(s3, config.bucketName, { concurrency: config.s3Concurrency });
  const journal = new S3BatchJournal(s3, config.bucketName);
  const deps: TransformDeps = { config, dataKeys, decrypter: new EncryptionSdkDecrypter(), store, journal, ...overrides };
  return {
    config,
    transform: (event, options) => transformBatch(event, deps, options),
    counters: () => ({
      kmsCalls: dataKeys.kmsCalls,
      s3Puts: store.putCalls,
      s3Deletes: store.deleteCalls,
      journalPuts: journal.putCalls,
    }),
  };
}
