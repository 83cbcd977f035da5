import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { Logger } from '@aws-lambda-powertools/logger';
import type { FirehoseTransformationEvent, FirehoseTransformationResult } from 'aws-lambda';
import { loadConfig } from './config';
import { KmsDataKeyProvider } from './adapters/kms-data-key-provider';
import { EncryptionSdkDecrypter } from './adapters/encryption-sdk-decrypter';
import { S3EventStore } from './adapters/s3-event-store';
import { transformBatch } from './core/transform-batch';

type Env = Readonly<Record<string, string | undefined>>;

export type FirehoseHandler = (event: FirehoseTransformationEvent) => Promise<FirehoseTransformationResult>;

/**
 * Builds the transformer: settings, SDK clients and caches, once per container.
 *
 * Endpoints and credentials come from the SDK's standard configuration (`AWS_REGION`,
 * `AWS_ENDPOINT_URL_KMS`, `AWS_ENDPOINT_URL_S3`, …), so the same code runs in Lambda and against
 * local servers. A custom S3 endpoint gets path-style addressing: S3-compatible servers on a host name
 * like `localhost` cannot serve virtual-hosted buckets.
 */
export function createHandler(env: Env = process.env): FirehoseHandler {
  const config = loadConfig(env);
  const logger = new Logger({ serviceName: env.POWERTOOLS_SERVICE_NAME ?? 'das-firehose' });
  const kms = new KMSClient({});
  const s3 = new S3Client({ forcePathStyle: Boolean(env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL) });
  const dataKeys = new KmsDataKeyProvider(kms, {
    maxEntries: config.dataKeyCacheSize,
    ttlSeconds: config.dataKeyCacheTtlSeconds,
  });
  const store = new S3EventStore(s3, config.bucketName, { concurrency: config.s3Concurrency });
  const decrypter = new EncryptionSdkDecrypter();

  return async (event) => {
    const kmsBefore = dataKeys.kmsCalls;
    const putsBefore = store.putCalls;
    const { result, summary } = await transformBatch(event, { config, dataKeys, decrypter, store });
    const { failures, ...counts } = summary;
    for (const { recordId, reason } of failures) {
      logger.warn('record failed', { recordId, reason });
    }
    logger.info('batch transformed', {
      invocationId: event.invocationId,
      ...counts,
      kmsCalls: dataKeys.kmsCalls - kmsBefore,
      s3Puts: store.putCalls - putsBefore,
    });
    return result;
  };
}

let instance: FirehoseHandler | undefined;

/**
 * The Lambda entry point. Built at first use so that importing this module never reads settings;
 * in Lambda that happens in the first invocation of each container.
 */
export const handler: FirehoseHandler = (event) => (instance ??= createHandler())(event);
