import { ConfigError } from './core/shared/errors';
import { isResourceId } from './core/shared/resource';

/** What the alert publisher reads from its environment. */
export interface AlertPublisherConfig {
  /** The audit bucket whose `alerts/pending/` it publishes. `BUCKET_NAME`. */
  readonly bucketName: string;
  /** The EventBridge bus alerts go to: a name or an ARN. `ALERT_EVENT_BUS`, default `default`. */
  readonly alertEventBus: string;
  /** Whether alerts also go to Security Hub as findings. `SECURITY_HUB` `on`|`off`, default `off`. */
  readonly securityHub: boolean;
  /** Database ARNs by resource id, for the findings' resources. `DATABASE_ARNS`, default none. */
  readonly databaseArns: Readonly<Record<string, string>>;
  /** The CloudWatch namespace of the metrics. `METRICS_NAMESPACE`, default `DasFirehose`. */
  readonly metricsNamespace: string;
  /** A sweep leaves younger objects to their notification. `SWEEP_MIN_AGE_SECONDS`, default 60. */
  readonly sweepMinAgeSeconds: number;
  /** Per SDK request: connect and answer timeouts (the SDK retries a request that times out). */
  readonly sdkTimeouts: { readonly connectionMs: number; readonly requestMs: number };
}

type Env = Readonly<Record<string, string | undefined>>;

const ARN = /^arn:aws[a-z-]*:rds:[a-z0-9-]+:\d{12}:(cluster|db):[A-Za-z][A-Za-z0-9-]{0,62}$/;

/**
 * Reads the alert publisher's settings, failing with a message that names the variable and shows an example.
 *
 * @example
 * loadAlertPublisherConfig({ BUCKET_NAME: 'my-audit-bucket', SECURITY_HUB: 'on' });
 */
export function loadAlertPublisherConfig(env: Env = process.env): AlertPublisherConfig {
  const bucketName = setting(env, 'BUCKET_NAME');
  if (!bucketName) {
    throw new ConfigError('BUCKET_NAME is not set: the audit bucket whose alerts/pending/ objects are published, e.g. BUCKET_NAME=my-audit-bucket');
  }
  const hub = setting(env, 'SECURITY_HUB')?.toLowerCase() ?? 'off';
  if (hub !== 'on' && hub !== 'off') {
    throw new ConfigError(`SECURITY_HUB must be on or off: whether alerts also go to Security Hub as findings, e.g. SECURITY_HUB=on; got "${setting(env, 'SECURITY_HUB')}"`);
  }
  return {
    bucketName,
    alertEventBus: setting(env, 'ALERT_EVENT_BUS') ?? 'default',
    securityHub: hub === 'on',
    databaseArns: databaseArnsOf(setting(env, 'DATABASE_ARNS')),
    metricsNamespace: setting(env, 'METRICS_NAMESPACE') ?? 'DasFirehose',
    sweepMinAgeSeconds: wholeNumber(env, 'SWEEP_MIN_AGE_SECONDS', 60, '60'),
    sdkTimeouts: {
      connectionMs: wholeNumber(env, 'SDK_CONNECTION_TIMEOUT_MS', 3_000, '3000', 1),
      requestMs: wholeNumber(env, 'SDK_REQUEST_TIMEOUT_MS', 15_000, '15000', 1),
    },
  };
}

/** `cluster-…=arn:aws:rds:…:cluster:name,db-…=arn:aws:rds:…:db:name`. */
function databaseArnsOf(raw: string | undefined): Record<string, string> {
  const example = 'DATABASE_ARNS=cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ=arn:aws:rds:eu-west-1:123456789012:cluster:orders';
  const arns: Record<string, string> = {};
  for (const pair of (raw ?? '').split(',').map((item) => item.trim()).filter(Boolean)) {
    const at = pair.indexOf('=');
    const id = pair.slice(0, at).trim();
    const arn = pair.slice(at + 1).trim();
    if (at < 0 || !isResourceId(id) || !ARN.test(arn)) {
      throw new ConfigError(`DATABASE_ARNS must list resourceId=ARN pairs separated by commas, e.g. ${example}; "${pair.slice(0, 120)}" is not one`);
    }
    arns[id] = arn;
  }
  return arns;
}

function setting(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function wholeNumber(env: Env, name: string, fallback: number, example: string, min = 0): number {
  const raw = setting(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < min) {
    throw new ConfigError(`${name} must be a whole number of at least ${min}, e.g. ${name}=${example}; got "${raw}"`);
  }
  return value;
}
