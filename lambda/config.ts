import { constants as bufferLimits } from 'node:buffer';
import { ConfigError } from './core/shared/errors';
import { isResourceId } from './core/shared/resource';
import { activeRules, disabledRuleProblems, parseCustomRules, RULE_EXAMPLE } from './core/alerts/alert-rules';
import type { KmsKeySelection, TransformSettings } from './core/transform/settings';

/** Everything the transformer reads from its environment: the core's settings and the adapters'. */
export interface Config extends TransformSettings {
  readonly bucketName: string;
  /** Plaintext data keys kept for warm invocations. */
  readonly dataKeyCacheSize: number;
  readonly dataKeyCacheTtlSeconds: number;
  /** Concurrent S3 PUTs per invocation; enough for every (command, hour) group of a batch in one wave. */
  readonly s3Concurrency: number;
  /**
   * How long one KMS or S3 request may take to connect and to finish before it is abandoned; the SDK
   * then retries it. S3 and KMS answer in tens of milliseconds, so one stuck this long is better retried.
   */
  readonly sdkTimeouts: { readonly connectionMs: number; readonly requestMs: number };
  /** The EventBridge bus alerts go to: a name or an ARN. */
  readonly alertEventBus: string;
  /** The CloudWatch namespace of the transformer's metrics. */
  readonly metricsNamespace: string;
  /**
   * Whether messages of the exact profile RDS writes are opened with node:crypto directly (`on`) or
   * every message goes through the AWS Encryption SDK (`off`). Either way the SDK decides every message
   * the fast path does not accept. `DECRYPT_FAST_PATH`, default `on`.
   */
  readonly decryptFastPath: boolean;
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads the transformer's settings, failing with a message that names the variable and shows an example.
 *
 * @example
 * const config = loadConfig({ BUCKET_NAME: 'my-audit-bucket', DROP_USERS: 'rdsadmin' });
 */
export function loadConfig(env: Env = process.env): Config {
  const bucketName = setting(env, 'BUCKET_NAME');
  if (!bucketName) {
    throw new ConfigError(
      'BUCKET_NAME is not set: the bucket that receives events/command=…/ objects, e.g. BUCKET_NAME=my-audit-bucket',
    );
  }
  const resourceId = setting(env, 'RESOURCE_ID');
  if (resourceId !== undefined && !isResourceId(resourceId)) {
    throw new ConfigError(
      `RESOURCE_ID must be an Aurora cluster resource ID (cluster-…) or an RDS instance resource ID (db-…), e.g. RESOURCE_ID=cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ; got "${resourceId}"`,
    );
  }
  return {
    bucketName,
    resourceId,
    kmsKeys: parseKmsKeys(setting(env, 'KMS_KEY_ARN')),
    dropFilters: {
      classes: commaSet(setting(env, 'DROP_CLASSES')),
      commands: commaSet(setting(env, 'DROP_COMMANDS')),
      users: commaSet(setting(env, 'DROP_USERS')),
    },
    maxDecompressedBytes: positiveInt(env, 'MAX_DECOMPRESSED_BYTES', defaultRecordCap(env), '67108864', bufferLimits.MAX_LENGTH),
    maxEventsPerRecord: positiveInt(env, 'MAX_EVENTS_PER_RECORD', DEFAULT_MAX_EVENTS_PER_RECORD, '100000'),
    maxBatchDecompressedBytes: positiveInt(
      env,
      'MAX_BATCH_DECOMPRESSED_BYTES',
      defaultBatchBudget(env),
      String(defaultBatchBudget(env)),
    ),
    dataKeyCacheSize: positiveInt(env, 'DATA_KEY_CACHE_SIZE', 100, '100'),
    dataKeyCacheTtlSeconds: positiveInt(env, 'DATA_KEY_CACHE_TTL_SECONDS', 3600, '3600'),
    s3Concurrency: positiveInt(env, 'S3_CONCURRENCY', 64, '64'),
    sdkTimeouts: {
      connectionMs: positiveInt(env, 'SDK_CONNECTION_TIMEOUT_MS', 3_000, '3000'),
      requestMs: positiveInt(env, 'SDK_REQUEST_TIMEOUT_MS', 15_000, '15000'),
    },
    alertRules: alertRulesOf(env),
    alertSqlTextChars: setting(env, 'ALERT_SQL_TEXT_CHARS') === undefined ? 0 : positiveInt(env, 'ALERT_SQL_TEXT_CHARS', 0, '500', 4096),
    alertEventBus: setting(env, 'ALERT_EVENT_BUS') ?? 'default',
    metricsNamespace: setting(env, 'METRICS_NAMESPACE') ?? 'DasFirehose',
    decryptFastPath: onOff(env, 'DECRYPT_FAST_PATH', true, 'the verified fast path for the message format RDS writes; off sends every record through the AWS Encryption SDK'),
  };
}

/**
 * The alert rules in force: the built-ins less `ALERTS_DISABLED` (rule ids), `privileged-user-activity`
 * for `PRIVILEGED_USERS` (user names), and `ALERT_CUSTOM_RULES` (a JSON array, see parseCustomRules).
 */
function alertRulesOf(env: Env) {
  const disabled = [...commaList(setting(env, 'ALERTS_DISABLED'))];
  const problems = disabledRuleProblems(disabled, 'ALERTS_DISABLED');
  const raw = setting(env, 'ALERT_CUSTOM_RULES');
  let custom: ReturnType<typeof parseCustomRules> = { rules: [], problems: [] };
  if (raw !== undefined) {
    try {
      custom = parseCustomRules(JSON.parse(raw), 'ALERT_CUSTOM_RULES');
    } catch {
      custom = { rules: [], problems: [`ALERT_CUSTOM_RULES is not JSON: give a JSON array of rules, e.g. ALERT_CUSTOM_RULES='${RULE_EXAMPLE}'`] };
    }
  }
  problems.push(...custom.problems);
  if (problems.length > 0) throw new ConfigError(problems.join(' '));
  return activeRules({ disabled, privilegedUsers: [...commaList(setting(env, 'PRIVILEGED_USERS'), false)], custom: custom.rules });
}

/**
 * A DAS event is a few hundred bytes of JSON and a Kinesis record at most 1 MiB of gzip, so a real record
 * holds tens of thousands of events at most; a hundred thousand leaves room and stops a record of
 * millions of tiny events (`[{},{},…]`) from costing more memory than its text.
 */
export const DEFAULT_MAX_EVENTS_PER_RECORD = 100_000;

/**
 * A quarter of what the function's memory leaves after the runtime's own 256 MB (at least 16 MiB): the
 * kept text is held more than once at the peak (as read, while its object is compressed, and as garbage
 * V8 has yet to collect). `npm run memory` measures the worst batches against this (docs/performance.md).
 */
export function defaultBatchBudget(env: Env): number {
  return Math.max(16 * 1024 * 1024, Math.floor((functionMemoryBytes(env) - RUNTIME_BYTES) / 4));
}

/** What the Node.js runtime, the SDKs and the transformer's code take before any batch. */
const RUNTIME_BYTES = 256 * 1024 * 1024;

/**
 * A sixteenth of the function's memory, at most 64 MiB: a record is inflated whole before it is read,
 * so this is what one decompression bomb can take at once. 64 MiB from 1024 MB of function memory up.
 */
export function defaultRecordCap(env: Env): number {
  return Math.min(64 * 1024 * 1024, Math.floor(functionMemoryBytes(env) / 16));
}

/** The function's memory (`AWS_LAMBDA_FUNCTION_MEMORY_SIZE`, which Lambda sets; the default 1769 MB elsewhere). */
function functionMemoryBytes(env: Env): number {
  const memoryMb = Number(env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE);
  return (Number.isSafeInteger(memoryMb) && memoryMb >= 128 ? memoryMb : 1769) * 1024 * 1024;
}

function setting(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

/** A comma list's items, trimmed, in order (lower-cased unless told not to). */
function commaList(value: string | undefined, lower = true): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => (lower ? item.trim().toLowerCase() : item.trim()))
    .filter((item) => item.length > 0);
}

function commaSet(value: string | undefined): ReadonlySet<string> {
  return new Set(
    (value ?? '')
      .split(',')
      .map((item) => item.trim().toLowerCase())
      .filter((item) => item.length > 0),
  );
}

function positiveInt(env: Env, name: string, fallback: number, example: string, max = Number.MAX_SAFE_INTEGER): number {
  const raw = setting(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value <= 0 || value > max) {
    throw new ConfigError(`${name} must be a positive whole number up to ${max}, e.g. ${name}=${example}; got "${raw}"`);
  }
  return value;
}

function onOff(env: Env, name: string, fallback: boolean, meaning: string): boolean {
  const raw = setting(env, name);
  if (raw === undefined) return fallback;
  const value = raw.toLowerCase();
  if (value === 'on' || value === 'off') return value === 'on';
  throw new ConfigError(`${name} must be on or off (${meaning}), e.g. ${name}=off; got "${raw}"`);
}

/**
 * `KMS_KEY_ARN` is either one key ARN (every resource) or, when one function serves databases
 * streaming with different keys, a comma list of `<resourceId>=<keyArn>` pairs.
 */
function parseKmsKeys(raw: string | undefined): KmsKeySelection {
  const byResource = new Map<string, string>();
  if (raw === undefined) return { byResource };
  if (!raw.includes('=')) return { default: raw, byResource };
  for (const pair of raw.split(',').map((item) => item.trim()).filter(Boolean)) {
    const [resourceId, keyArn, ...rest] = pair.split('=').map((item) => item.trim());
    if (!resourceId || !keyArn || rest.length > 0 || !isResourceId(resourceId)) {
      throw new ConfigError(
        'KMS_KEY_ARN must be one key ARN or a comma list of <resourceId>=<keyArn>, e.g. ' +
          'KMS_KEY_ARN=arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab or ' +
          'KMS_KEY_ARN=cluster-ABC=arn:aws:kms:…:key/…,db-XYZ=arn:aws:kms:…:key/…',
      );
    }
    byResource.set(resourceId, keyArn);
  }
  return { byResource };
}
