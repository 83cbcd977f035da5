import { isResourceId } from '../core/shared/resource';
import { RULE_EXAMPLE } from '../core/alerts/custom-rules';
import { ConfigError } from '../core/shared/errors';
import type { KmsKeySelection } from '../core/transform/settings';
import { commaList, json, list, onOff, positiveInt, rawSetting, text, type Env, type Setting } from './kinds';

/**
 * Every setting of the transformer (and of the replay function, which runs it), one entry each: its
 * environment variable, CDK context key and construct prop, how it is read and written, its default,
 * description and example. The function's environment is written from these (lib/), read from them
 * (lambda/config.ts), the app's context is parsed with them (lib/context.ts), the configuration table in
 * docs/configuration.md is checked against them, and the local tools' list of variables to reset is
 * derived from them. Adding a setting is one entry here plus the code that uses it; its names are spelled
 * in this file only.
 */

/** The function's memory (Lambda sets `AWS_LAMBDA_FUNCTION_MEMORY_SIZE`; 1769 MB assumed elsewhere). */
export function functionMemoryBytes(env: Env): number {
  const memoryMb = Number(env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE);
  return (Number.isSafeInteger(memoryMb) && memoryMb >= 128 ? memoryMb : 1769) * 1024 * 1024;
}

/** What the Node.js runtime, the SDKs and the transformer's code take before any batch. */
const RUNTIME_BYTES = 256 * 1024 * 1024;

/**
 * A sixteenth of what the function's memory leaves after the runtime's own 256 MB, between 4 and 64 MiB:
 * a record is inflated whole before it is read, and its worst text (one event of millions of numbers
 * split by line breaks, which `JSON.parse` turns into an array and the reader compacts) holds about six
 * times its size at once. 64 MiB from 1280 MB of function memory up; 16 MiB at 512 MB, where a sixteenth
 * of the whole memory (32 MiB) took a batch of such records to the memory's limit (`npm run memory`).
 */
export function defaultRecordCap(env: Env): number {
  return Math.min(64 * 1024 * 1024, Math.max(4 * 1024 * 1024, Math.floor((functionMemoryBytes(env) - RUNTIME_BYTES) / 16)));
}

/**
 * A quarter of what the function's memory leaves after the runtime's own 256 MB (at least 16 MiB): the
 * kept text is held more than once at the peak (as read, while its object is compressed, and as garbage
 * V8 has yet to collect). `npm run memory` measures the worst batches against this (docs/performance.md).
 */
export function defaultBatchBudget(env: Env): number {
  return Math.max(16 * 1024 * 1024, Math.floor((functionMemoryBytes(env) - RUNTIME_BYTES) / 4));
}

/**
 * A DAS event is a few hundred bytes of JSON and a Kinesis record at most 1 MiB of gzip, so a real record
 * holds tens of thousands of events at most; a hundred thousand leaves room and stops a record of
 * millions of tiny events (`[{},{},…]`) from costing more memory than its text.
 */
export const DEFAULT_MAX_EVENTS_PER_RECORD = 100_000;

/** The most SQL text an alert may carry, in characters. */
export const MAX_ALERT_SQL_TEXT_CHARS = 4096;

/** Node's largest Buffer: a record cap above it could never be honoured. */
const MAX_BUFFER_BYTES = 2 ** 32;

const DATABASE_ARN = /^arn:aws[a-z-]*:rds:[a-z0-9-]+:\d{12}:(cluster|db):[A-Za-z][A-Za-z0-9-]{0,62}$/;

const KMS_KEY_EXAMPLE = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

/**
 * `KMS_KEY_ARN` is either one key ARN (every resource) or, when one function serves databases streaming
 * with different keys, a comma list of `<resourceId>=<keyArn>` pairs.
 */
const kmsKeys: Setting<KmsKeySelection> = {
  env: 'KMS_KEY_ARN',
  prop: 'activityStreams',
  description: 'Pins KMS Decrypt to the activity streams\' keys: one key ARN, or `<resourceId>=<keyArn>` pairs for one key per database',
  example: KMS_KEY_EXAMPLE,
  defaultText: 'any key the data key blob names',
  read(env) {
    const raw = rawSetting(env, 'KMS_KEY_ARN');
    const byResource = new Map<string, string>();
    if (raw === undefined) return { byResource };
    if (!raw.includes('=')) return { default: raw, byResource };
    for (const pair of commaList(raw)) {
      const [resourceId, keyArn, ...rest] = pair.split('=').map((item) => item.trim());
      if (!resourceId || !keyArn || rest.length > 0 || !isResourceId(resourceId)) {
        throw new ConfigError(
          `KMS_KEY_ARN must be one key ARN or a comma list of <resourceId>=<keyArn>, e.g. KMS_KEY_ARN=${KMS_KEY_EXAMPLE} or ` +
            'KMS_KEY_ARN=cluster-ABC=arn:aws:kms:…:key/…,db-XYZ=arn:aws:kms:…:key/…',
        );
      }
      byResource.set(resourceId, keyArn);
    }
    return { byResource };
  },
  write(keys) {
    if (keys.byResource.size === 0) return keys.default;
    return [...keys.byResource].map(([resourceId, keyArn]) => `${resourceId}=${keyArn}`).join(',');
  },
};

/** The transformer's settings, by the name the code uses for each. */
export const SETTINGS = {
  bucketName: text({
    env: 'BUCKET_NAME',
    prop: 'bucket',
    description: 'The audit bucket: receives `events/command=…/` objects and the batch journal',
    example: 'my-audit-bucket',
    defaultText: 'required',
  }),
  resourceId: text({
    env: 'RESOURCE_ID',
    context: 'resourceId',
    prop: 'activityStreams',
    description: 'The `cluster-…` or `db-…` resource ID, when the stream is not named `aws-rds-das-<resourceId>` (single stream only)',
    example: 'cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ',
    defaultText: 'read from the source stream ARN',
    check: (value) => (isResourceId(value) ? undefined : 'must be an Aurora cluster resource ID (cluster-…) or an RDS instance resource ID (db-…)'),
  }),
  kmsKeys,
  dropClasses: list({ env: 'DROP_CLASSES', context: 'dropClasses', prop: 'dropClasses', description: 'Event classes to leave out of the audit log (case-insensitive)', example: 'READ' }),
  dropCommands: list({ env: 'DROP_COMMANDS', context: 'dropCommands', prop: 'dropCommands', description: 'Commands to leave out, as sent or as folder name (case-insensitive)', example: 'CONNECT,DISCONNECT' }),
  dropUsers: list({ env: 'DROP_USERS', context: 'dropUsers', prop: 'dropUsers', description: 'Database users (`dbUserName`) to leave out (case-insensitive)', example: 'rdsadmin' }),
  maxDecompressedBytes: positiveInt({
    env: 'MAX_DECOMPRESSED_BYTES',
    description: 'Cap on one record\'s gunzipped JSON',
    example: '67108864',
    defaultText: 'a sixteenth of the function\'s memory less 256 MB, 4 to 64 MiB',
    fallback: defaultRecordCap,
    max: MAX_BUFFER_BYTES,
  }),
  maxEventsPerRecord: positiveInt({ env: 'MAX_EVENTS_PER_RECORD', description: 'Most events one record may hold', example: '100000', fallback: () => DEFAULT_MAX_EVENTS_PER_RECORD }),
  maxBatchDecompressedBytes: positiveInt({
    env: 'MAX_BATCH_DECOMPRESSED_BYTES',
    description: "What one invocation may hold in all: each record's decompressed text (beyond ASCII counted twice) or its stored lines' bytes, whichever is larger, and 128 bytes per kept event",
    example: '396754944',
    defaultText: 'a quarter of the function\'s memory less 256 MB, at least 16 MiB',
    fallback: defaultBatchBudget,
  }),
  dataKeyCacheSize: positiveInt({ env: 'DATA_KEY_CACHE_SIZE', description: 'Plaintext data keys kept for warm invocations', example: '100', fallback: () => 100 }),
  dataKeyCacheTtlSeconds: positiveInt({ env: 'DATA_KEY_CACHE_TTL_SECONDS', description: 'How long a plaintext data key is kept', example: '3600', fallback: () => 3600 }),
  s3Concurrency: positiveInt({ env: 'S3_CONCURRENCY', description: 'S3 PUTs in flight per invocation', example: '64', fallback: () => 64 }),
  sdkConnectionTimeoutMs: positiveInt({ env: 'SDK_CONNECTION_TIMEOUT_MS', description: 'How long a KMS or S3 request may take to connect before the SDK abandons and retries it', example: '3000', fallback: () => 3_000 }),
  sdkRequestTimeoutMs: positiveInt({ env: 'SDK_REQUEST_TIMEOUT_MS', description: 'How long a KMS or S3 request may take to finish before the SDK abandons and retries it', example: '15000', fallback: () => 15_000 }),
  decryptFastPath: onOff({
    env: 'DECRYPT_FAST_PATH',
    context: 'decryptFastPath',
    prop: 'decryptFastPath',
    description: 'Messages of the exact format RDS writes are opened with node:crypto (every check the Encryption SDK makes included); off sends every message through the SDK',
    example: 'off',
    fallback: true,
    meaning: 'the verified fast path for the message format RDS writes; off sends every record through the AWS Encryption SDK',
  }),
  logLevel: text({
    env: 'POWERTOOLS_LOG_LEVEL',
    context: 'logLevel',
    prop: 'logLevel',
    description: 'Log level of the functions (Powertools Logger): DEBUG, INFO, WARN or ERROR',
    example: 'INFO',
    defaultText: 'INFO',
  }),
  metricsNamespace: text({ env: 'METRICS_NAMESPACE', prop: 'metricsNamespace', description: 'CloudWatch namespace of the metrics', example: 'DasFirehose', defaultText: 'DasFirehose' }),
  alertsDisabled: list({
    env: 'ALERTS_DISABLED',
    context: 'alertsDisabled',
    prop: 'alerts.disabledRules',
    description: 'Built-in alert rules turned off: privilege-change, failed-login, destructive-ddl, privileged-user-activity',
    example: 'failed-login',
  }),
  privilegedUsers: list({
    env: 'PRIVILEGED_USERS',
    context: 'privilegedUsers',
    prop: 'alerts.privilegedUsers',
    description: 'Database users whose every event raises privileged-user-activity (compared case-insensitively)',
    example: 'admin,rdsadmin',
  }),
  alertCustomRules: json({
    env: 'ALERT_CUSTOM_RULES',
    context: 'alertRules',
    prop: 'alerts.customRules',
    description: 'Alert rules of your own, a JSON array of `{id, description, severity, engines?, when}` (docs/operations.md, Alerts)',
    example: RULE_EXAMPLE,
    notJson: 'give a JSON array of rules',
  }),
  alertSqlTextChars: positiveInt({
    env: 'ALERT_SQL_TEXT_CHARS',
    context: 'alertSqlTextChars',
    prop: 'alerts.sqlTextChars',
    description: 'Characters of SQL text each alert carries, cut short with … (0: none)',
    example: '200',
    fallback: () => 0,
    max: MAX_ALERT_SQL_TEXT_CHARS,
    allowZero: true,
  }),
  alertEventBus: text({
    env: 'ALERT_EVENT_BUS',
    prop: 'alerts.eventBus',
    description: 'The EventBridge bus alerts go to, a name or an ARN',
    example: 'default',
    defaultText: 'default',
  }),
  securityHub: onOff({
    env: 'SECURITY_HUB',
    context: 'securityHub',
    prop: 'alerts.securityHub',
    description: 'Whether the alert publisher also sends each alert to AWS Security Hub as a finding',
    example: 'on',
    fallback: false,
    meaning: 'whether alerts also go to Security Hub as findings',
  }),
  databaseArns: {
    env: 'DATABASE_ARNS',
    prop: 'activityStreams',
    description: 'The databases\' ARNs by resource ID, `<resourceId>=<arn>` pairs: the resources of Security Hub findings',
    example: 'cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ=arn:aws:rds:eu-west-1:123456789012:cluster:orders',
    defaultText: 'none (findings name the resource ID)',
    read(env) {
      const arns: Record<string, string> = {};
      for (const pair of commaList(rawSetting(env, 'DATABASE_ARNS'))) {
        const at = pair.indexOf('=');
        const id = pair.slice(0, at).trim();
        const arn = pair.slice(at + 1).trim();
        if (at < 0 || !isResourceId(id) || !DATABASE_ARN.test(arn)) {
          throw new ConfigError(
            `DATABASE_ARNS must list <resourceId>=<arn> pairs separated by commas, e.g. DATABASE_ARNS=cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ=arn:aws:rds:eu-west-1:123456789012:cluster:orders; "${pair.slice(0, 120)}" is not one`,
          );
        }
        arns[id] = arn;
      }
      return arns;
    },
    write: (arns) => {
      const pairs = Object.entries(arns).map(([id, arn]) => `${id}=${arn}`);
      return pairs.length > 0 ? pairs.join(',') : undefined;
    },
  } as Setting<Readonly<Record<string, string>>>,
  sweepMinAgeSeconds: positiveInt({
    env: 'SWEEP_MIN_AGE_SECONDS',
    description: 'The alert publisher\'s scheduled sweep leaves outbox objects younger than this to their S3 notification',
    example: '60',
    fallback: () => 60,
    allowZero: true,
  }),
} as const;

export type SettingName = keyof typeof SETTINGS;

/** A setting's value, as read and written. */
export type SettingValue<K extends SettingName> = ReturnType<(typeof SETTINGS)[K]['read']>;

/** Values of some settings, by name. */
export type SettingValues = { -readonly [K in SettingName]?: SettingValue<K> };

/**
 * The function's environment for these values: each written as its variable's text, in definition order;
 * values that write as nothing (defaults, empty lists) leave their variable unset.
 */
export function settingsEnvironment(values: SettingValues): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const name of Object.keys(SETTINGS) as SettingName[]) {
    const value = values[name];
    if (value === undefined) continue;
    const setting = SETTINGS[name] as Setting<unknown>;
    const written = setting.write(value);
    if (written !== undefined) environment[setting.env] = written;
  }
  return environment;
}

/** Every setting's value from the environment; throws ConfigError naming the first one that is malformed. */
export function readSettings(env: Env): { [K in SettingName]: SettingValue<K> } {
  const values = {} as Record<SettingName, unknown>;
  for (const name of Object.keys(SETTINGS) as SettingName[]) values[name] = (SETTINGS[name] as Setting<unknown>).read(env);
  return values as { [K in SettingName]: SettingValue<K> };
}

/** The setting a variable belongs to, by its environment name. */
export function settingOfVariable(variable: string): SettingName | undefined {
  return (Object.keys(SETTINGS) as SettingName[]).find((name) => SETTINGS[name].env === variable);
}

/** Every variable the settings use: what a local run resets so that the developer's shell changes nothing. */
export const SETTING_VARIABLES: readonly string[] = Object.values(SETTINGS).map((setting) => setting.env);
