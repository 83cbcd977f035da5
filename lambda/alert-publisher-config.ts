import { ConfigError } from './core/shared/errors';
import { SETTINGS } from './settings/definitions';
import type { Env } from './settings/kinds';

/** What the alert publisher reads from its environment. */
export interface AlertPublisherConfig {
  /** The audit bucket whose `alerts/pending/` it publishes. (the bucket setting). */
  readonly bucketName: string;
  /** The EventBridge bus alerts go to: a name or an ARN. Default `default`. */
  readonly alertEventBus: string;
  /** Whether alerts also go to Security Hub as findings. Default off. */
  readonly securityHub: boolean;
  /** Database ARNs by resource id, for the findings' resources. Default none. */
  readonly databaseArns: Readonly<Record<string, string>>;
  /** The CloudWatch namespace of the metrics. Default `DasFirehose`. */
  readonly metricsNamespace: string;
  /** A sweep leaves younger objects to their notification. Default 60. */
  readonly sweepMinAgeSeconds: number;
  /** Per SDK request: connect and answer timeouts (the SDK retries a request that times out). */
  readonly sdkTimeouts: { readonly connectionMs: number; readonly requestMs: number };
}

/**
 * Reads the alert publisher's settings (lambda/settings/definitions.ts: the transformer's bucket, bus,
 * namespace and timeouts, and the publisher's own), failing with a message that names the variable and
 * shows an example.
 *
 * @example
 * loadAlertPublisherConfig(settingsEnvironment({ bucketName: 'my-audit-bucket', securityHub: true }));
 */
export function loadAlertPublisherConfig(env: Env = process.env): AlertPublisherConfig {
  const bucketName = SETTINGS.bucketName.read(env);
  if (!bucketName) {
    const { env: name, example } = SETTINGS.bucketName;
    throw new ConfigError(`${name} is not set: the audit bucket whose alerts/pending/ objects are published, e.g. ${name}=${example}`);
  }
  return {
    bucketName,
    alertEventBus: SETTINGS.alertEventBus.read(env) ?? 'default',
    securityHub: SETTINGS.securityHub.read(env),
    databaseArns: SETTINGS.databaseArns.read(env),
    metricsNamespace: SETTINGS.metricsNamespace.read(env) ?? 'DasFirehose',
    sweepMinAgeSeconds: SETTINGS.sweepMinAgeSeconds.read(env),
    sdkTimeouts: { connectionMs: SETTINGS.sdkConnectionTimeoutMs.read(env), requestMs: SETTINGS.sdkRequestTimeoutMs.read(env) },
  };
}
