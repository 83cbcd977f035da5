import { ConfigError } from './core/shared/errors';
import { activeRules, disabledRuleProblems } from './core/alerts/alert-rules';
import { parseCustomRules } from './core/alerts/custom-rules';
import type { TransformSettings } from './core/transform/settings';
import { readSettings, SETTINGS } from './settings/definitions';
import type { Env } from './settings/kinds';

export { defaultBatchBudget, defaultRecordCap, DEFAULT_MAX_EVENTS_PER_RECORD } from './settings/definitions';

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
   * Whether messages of the exact profile RDS writes are opened with node:crypto directly, or every
   * message goes through the AWS Encryption SDK. Either way the SDK decides every message the fast path
   * does not accept.
   */
  readonly decryptFastPath: boolean;
}

/**
 * Reads the transformer's settings (lambda/settings/definitions.ts), failing with a message that names
 * the variable and shows an example.
 *
 * @example
 * const config = loadConfig(settingsEnvironment({ bucketName: 'my-audit-bucket' }));
 */
export function loadConfig(env: Env = process.env): Config {
  const values = readSettings(env);
  if (!values.bucketName) {
    const { env: name, description, example } = SETTINGS.bucketName;
    throw new ConfigError(`${name} is not set: ${description.charAt(0).toLowerCase()}${description.slice(1)}, e.g. ${name}=${example}`);
  }
  const lower = (items: readonly string[]) => new Set(items.map((item) => item.toLowerCase()));
  return {
    bucketName: values.bucketName,
    resourceId: values.resourceId,
    kmsKeys: values.kmsKeys,
    dropFilters: { classes: lower(values.dropClasses), commands: lower(values.dropCommands), users: lower(values.dropUsers) },
    maxDecompressedBytes: values.maxDecompressedBytes,
    maxEventsPerRecord: values.maxEventsPerRecord,
    maxBatchDecompressedBytes: values.maxBatchDecompressedBytes,
    dataKeyCacheSize: values.dataKeyCacheSize,
    dataKeyCacheTtlSeconds: values.dataKeyCacheTtlSeconds,
    s3Concurrency: values.s3Concurrency,
    sdkTimeouts: { connectionMs: values.sdkConnectionTimeoutMs, requestMs: values.sdkRequestTimeoutMs },
    alertRules: alertRulesOf(values.alertsDisabled, values.privilegedUsers, values.alertCustomRules),
    alertSqlTextChars: values.alertSqlTextChars,
    alertEventBus: values.alertEventBus ?? 'default',
    metricsNamespace: values.metricsNamespace ?? 'DasFirehose',
    decryptFastPath: values.decryptFastPath,
  };
}

/**
 * The alert rules in force: the built-ins less the disabled ones (rule ids), `privileged-user-activity`
 * for the privileged users, and the custom rules (see parseCustomRules). Every problem is reported at
 * once, one per line.
 */
function alertRulesOf(disabledIds: readonly string[], privilegedUsers: readonly string[], customJson: unknown) {
  const disabled = disabledIds.map((id) => id.toLowerCase());
  const problems = disabledRuleProblems(disabled, SETTINGS.alertsDisabled.env);
  const custom = customJson === undefined ? { rules: [], problems: [] } : parseCustomRules(customJson, SETTINGS.alertCustomRules.env);
  problems.push(...custom.problems);
  if (problems.length > 0) throw new ConfigError(problems.join('\n'));
  return activeRules({ disabled, privilegedUsers: [...privilegedUsers], custom: custom.rules });
}
