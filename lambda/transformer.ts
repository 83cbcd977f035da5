import { KMSClient } from '@aws-sdk/client-kms';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { FirehoseTransformationEvent } from 'aws-lambda';
import { loadConfig, type Config } from './config';
import { EncryptionSdkDecrypter } from './adapters/encryption-sdk-decrypter';
import { S3AlertOutbox } from './adapters/s3-alert-outbox';
import { KmsDataKeyProvider } from './adapters/kms-data-key-provider';
import { RdsProfileDecrypter } from './adapters/rds-profile-decrypter';
import { S3BatchJournal } from './adapters/s3-batch-journal';
import { S3EventStore } from './adapters/s3-event-store';
import { transformBatch, type BatchOutcome, type BatchSummary, type TransformDeps, type TransformOptions } from './core/transform/transform-batch';

import type { Env } from './settings/kinds';
import { loggerFor, requestHandlerFor, s3ClientFor } from './clients';

/** Requests one batch sent to the outside world, by kind. */
export interface BatchRequests {
  readonly kmsCalls: number;
  readonly s3Puts: number;
  readonly s3Deletes: number;
  readonly journalPuts: number;
  readonly alertPuts: number;
  /** Messages the Encryption SDK opened (or refused) because the fast path did not accept them. */
  readonly sdkDecrypts: number;
}

/** What a batch gave: the answer for Firehose, the summary, and the requests it took. */
export interface TransformerOutcome extends BatchOutcome {
  readonly requests: BatchRequests;
}

/** The transformer with its settings, clients and caches: built once, used for every batch. */
export interface Transformer {
  readonly config: Config;
  /** Its S3 client and logger, for what runs around it (the re-drive) to share rather than build again. */
  readonly s3: S3Client;
  readonly logger: Logger;
  /**
   * Transforms one Firehose batch and logs it: one `batch transformed` line with its counts, one
   * `record failed` line per failed record, or one `batch failed` line before rejecting. Log lines carry
   * IDs, counts and reasons, never content.
   */
  transform(event: FirehoseTransformationEvent, options?: TransformOptions): Promise<TransformerOutcome>;
}

/**
 * Replaces parts of the transformer: for benchmarks that compare variants of the core's settings, and
 * for the re-drive, which needs no journal (a replayed batch that fails is rebuilt the same way again)
 * and no response cap (its answer goes to the re-drive, not back through Lambda).
 */
export type TransformerOverrides = Partial<Pick<TransformDeps, 'recordConcurrency' | 'gzipLevel' | 'journal' | 'maxResponseBytes'>>;

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
  const logger = loggerFor(env);
  const kms = new KMSClient({ requestHandler: requestHandlerFor(config.sdkTimeouts) });
  const s3 = s3ClientFor(env, config.sdkTimeouts);
  const dataKeys = new KmsDataKeyProvider(kms, { maxEntries: config.dataKeyCacheSize, ttlSeconds: config.dataKeyCacheTtlSeconds });
  const store = new S3EventStore(s3, config.bucketName, { concurrency: config.s3Concurrency });
  const journal = new S3BatchJournal(s3, config.bucketName);
  // Alerts wait in the bucket for the alert publisher (lambda/alert-publisher-handler.ts): the transformer
  // never talks to EventBridge or Security Hub, so neither can hold up or fail the audit log.
  const alerts = config.alertRules && config.alertRules.length > 0 ? new S3AlertOutbox(s3, config.bucketName) : undefined;
  const metrics = new Metrics({ namespace: config.metricsNamespace, serviceName: env.POWERTOOLS_SERVICE_NAME ?? 'das-firehose' });
  const decrypter = config.decryptFastPath ? new RdsProfileDecrypter() : new EncryptionSdkDecrypter();
  const deps: TransformDeps = { settings: config, dataKeys, decrypter, store, journal, ...(alerts ? { alerts } : {}), ...overrides };
  const counters = (): BatchRequests => ({
    kmsCalls: dataKeys.kmsCalls,
    s3Puts: store.putCalls,
    s3Deletes: store.deleteCalls,
    journalPuts: journal.putCalls,
    alertPuts: alerts?.putCalls ?? 0,
    // With the fast path, every message goes to the SDK only when the fast path does not accept it:
    // a count that grows on valid records says RDS writes a layout the fast path does not know.
    sdkDecrypts: decrypter instanceof RdsProfileDecrypter ? decrypter.counts.fallback : 0,
  });

  return {
    config,
    s3,
    logger,
    async transform(event, options) {
      const before = counters();
      let outcome: BatchOutcome;
      try {
        outcome = await transformBatch(event, deps, options);
      } catch (error) {
        logger.error('batch failed', {
          invocationId: event?.invocationId,
          records: Array.isArray(event?.records) ? event.records.length : undefined,
          reason: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
          ...since(before, counters()),
        });
        throw error;
      }
      const requests = since(before, counters());
      const { failures, ...counts } = outcome.summary;
      for (const { recordId, reason } of failures) logger.warn('record failed', { recordId, reason });
      logger.info('batch transformed', { invocationId: event.invocationId, ...counts, ...requests });
      emitMetrics(metrics, outcome.summary);
      return { ...outcome, requests };
    },
  };
}

function since(before: BatchRequests, after: BatchRequests): BatchRequests {
  return {
    kmsCalls: after.kmsCalls - before.kmsCalls,
    s3Puts: after.s3Puts - before.s3Puts,
    s3Deletes: after.s3Deletes - before.s3Deletes,
    journalPuts: after.journalPuts - before.journalPuts,
    alertPuts: after.alertPuts - before.alertPuts,
    sdkDecrypts: after.sdkDecrypts - before.sdkDecrypts,
  };
}

/**
 * The batch's metrics, as CloudWatch Embedded Metric Format lines in the function's log (CloudWatch
 * turns them into metrics; no API call), named as the construct's `metric*()` methods read them:
 * `Events` in all, by database, and by database and class; `RecordsFailed` in all and by database;
 * `AlertMatches` by rule (what the alarms watch) and by database and rule. Dimensions are a database, a
 * class or a rule id: a few values each, never a user, a host or SQL text.
 */
export function emitMetrics(metrics: Metrics, summary: BatchSummary): void {
  const emit = (name: string, dimensions: Record<string, string>, count: number): void => {
    // One line per dimension set, flushed at once. Not singleMetric(): that builds a new instance, which
    // reads Powertools' switches (POWERTOOLS_METRICS_DISABLED) again instead of keeping this one's.
    metrics.addDimensions(dimensions);
    metrics.addMetric(name, MetricUnit.Count, count);
    metrics.publishStoredMetrics();
  };
  const resource = { Resource: summary.resourceId };
  const events = Object.values(summary.eventsByClass).reduce((sum, count) => sum + count, 0);
  if (events > 0) {
    emit('Events', {}, events);
    emit('Events', resource, events);
  }
  for (const [klass, count] of Object.entries(summary.eventsByClass)) emit('Events', { ...resource, Class: klass }, count);
  if (summary.failed > 0) {
    emit('RecordsFailed', {}, summary.failed);
    emit('RecordsFailed', resource, summary.failed);
  }
  for (const [rule, count] of Object.entries(summary.alertsByRule)) {
    emit('AlertMatches', { Rule: rule }, count);
    emit('AlertMatches', { ...resource, Rule: rule }, count);
  }
}
