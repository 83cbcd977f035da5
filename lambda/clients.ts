import { S3Client } from '@aws-sdk/client-s3';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Env } from './settings/kinds';

/**
 * The SDK clients and logger the functions build from their environment, written once: every function
 * (transformer, replay, alert publisher, database source) builds them the same way, once per container.
 */

/** Per-request timeouts, after which the SDK abandons a request and retries it. */
export interface SdkTimeouts {
  readonly connectionMs: number;
  readonly requestMs: number;
}

/**
 * The request handler settings every client gets. Without timeouts the SDK waits forever on a request
 * nobody answers: a stuck PUT would hold the invocation until Lambda's timeout, where a fresh attempt
 * (the SDK retries timeouts) succeeds in seconds.
 */
export function requestHandlerFor(timeouts: SdkTimeouts): { connectionTimeout: number; requestTimeout: number; throwOnRequestTimeout: true } {
  return { connectionTimeout: timeouts.connectionMs, requestTimeout: timeouts.requestMs, throwOnRequestTimeout: true };
}

/**
 * An S3 client from the SDK's standard settings. A custom endpoint (`AWS_ENDPOINT_URL_S3`) gets
 * path-style addressing: S3-compatible servers on a host name like `localhost` cannot serve
 * virtual-hosted buckets.
 *
 * Checksums only where S3 requires one (`DeleteObjects`): every PUT is already integrity-checked, since
 * SigV4 signs the body's SHA-256 (`x-amz-content-sha256`) and S3 refuses a body that does not match it.
 * The SDK's default adds a CRC32 of every body on top, computed and its middleware run for each of a
 * batch's PUTs: about a third of a millisecond of CPU per PUT for no further guarantee.
 */
export function s3ClientFor(env: Env, timeouts: SdkTimeouts): S3Client {
  return new S3Client({
    forcePathStyle: Boolean(env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL),
    requestHandler: requestHandlerFor(timeouts),
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });
}

/** The function's logger (Powertools: its level from the log level setting), under its service name. */
export function loggerFor(env: Env, defaultService = 'das-firehose'): Logger {
  return new Logger({ serviceName: env.POWERTOOLS_SERVICE_NAME ?? defaultService });
}
