import * as logs from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';
import { SETTINGS, type SettingName, type SettingValue } from '../lambda/settings/definitions';
import { contextText, type Setting, type SettingDoc } from '../lambda/settings/kinds';
import type { PropName } from './das-firehose-pipeline';
import { databaseSettings, DATABASE_CONTEXT_KEYS, EXAMPLE_DATABASE_ARN, type DatabaseSettings } from './database-context';
import * as defaults from './defaults';

export type { DatabaseSettings } from './database-context';

/** One activity stream as the context describes it. */
export interface ActivityStreamSettings {
  /** `arn:aws:kinesis:<region>:<account>:stream/aws-rds-das-<resourceId>` */
  readonly streamArn: string;
  /** `arn:aws:kms:<region>:<account>:key/<key-id>` */
  readonly keyArn: string;
  /** Given only with the `resourceId` context key. */
  readonly resourceId?: string;
}

/** Write-once retention of the audit bucket. */
export interface ObjectLockSettings {
  readonly mode: 'GOVERNANCE' | 'COMPLIANCE';
  readonly days: number;
}

/**
 * The bus alerts go to: the account's default bus, one the stack creates, or an existing one by name
 * (this account and region) or by ARN.
 */
export type AlertEventBusSetting = { readonly kind: 'default' } | { readonly kind: 'create' } | { readonly kind: 'name'; readonly name: string } | { readonly kind: 'arn'; readonly arn: string };

/**
 * What the app reads from CDK context, parsed: strings turned into lists, numbers and enums. Whether the
 * values make a pipeline (ranges, combinations) is the construct's to say (see `checkPipelineProps`).
 */
export interface DasFirehoseSettings {
  /** Given by dasStreamArn and kmsKeyArn; empty with `database`. */
  readonly activityStreams: ActivityStreamSettings[];
  /** Given by `database`: the databases whose streams the stack finds at deployment. */
  readonly database?: DatabaseSettings;
  /** The region every stream, key and database ARN is in: the stack must be deployed there. Empty when only identifiers name the databases. */
  readonly region: string;
  readonly dropClasses?: string[];
  readonly dropCommands?: string[];
  readonly dropUsers?: string[];
  readonly transitionAfterDays?: number;
  readonly expireAfterDays?: number;
  readonly noncurrentExpireAfterDays?: number;
  readonly accessLogsExpireAfterDays?: number;
  readonly journalExpireAfterDays?: number;
  readonly objectLock?: ObjectLockSettings;
  readonly logRetentionDays?: logs.RetentionDays;
  readonly functionMemoryMb?: number;
  readonly logLevel?: string;
  readonly alarmEmail?: string;
  readonly alarmTopicArn?: string;
  /** false leaves the Athena tables, workgroup and named queries out. */
  readonly queries?: boolean;
  /** false leaves the replay function out. */
  readonly replay?: boolean;
  /** false leaves the dashboard out. */
  readonly dashboard?: boolean;
  /** false sends every record through the Encryption SDK. */
  readonly decryptFastPath?: boolean;
  readonly queryBytesScannedCutoffGb?: number;
  /** false turns the alert rules off. */
  readonly alerts?: boolean;
  readonly alertsDisabled?: string[];
  readonly privilegedUsers?: string[];
  /** The parsed JSON of `alertRules`; the construct checks its shape. */
  readonly alertRules?: unknown;
  readonly alertThresholds?: Record<string, number>;
  readonly alertEventBus?: AlertEventBusSetting;
  readonly alertSqlTextChars?: number;
  /** true sends every alert to Security Hub as a finding too. */
  readonly securityHub?: boolean;
}

/** The context keys the app reads, with what each means. docs/configuration.md shows the same table. */
const STACK_CONTEXT_KEYS = {
  ...DATABASE_CONTEXT_KEYS,
  dasStreamArn: 'Required unless database is given. The activity stream\'s Kinesis stream ARN (…:stream/aws-rds-das-<resourceId>); a comma list for several databases.',
  kmsKeyArn: 'Required with dasStreamArn. The KMS key ARN the activity stream was started with; one for all streams, or a comma list with one per stream.',
  transitionAfterDays: 'Optional. Days before audit objects move to Glacier Instant Retrieval. Default 90.',
  expireAfterDays: 'Optional. Days before audit objects expire. Default: never.',
  noncurrentExpireAfterDays: 'Optional. Days overwritten or deleted versions are kept. Default 30.',
  accessLogsExpireAfterDays: 'Optional. Days the bucket\'s server access logs are kept. Default 365.',
  journalExpireAfterDays: 'Optional. Days entries of the batch journal (journal/) are kept. Default 90.',
  objectLockDays: 'Optional. Enables S3 Object Lock with this default retention, in days (new buckets only).',
  objectLockMode: 'Optional. GOVERNANCE (default) or COMPLIANCE; needs objectLockDays.',
  logRetentionDays: 'Optional. Retention of the function and Firehose log groups, a CloudWatch Logs value. Default 90.',
  functionMemoryMb: `Optional. Transformer memory in MB, ${defaults.MIN_FUNCTION_MEMORY_MB} or more. Default ${defaults.DEFAULT_FUNCTION_MEMORY_MB}.`,
  alarmEmail: 'Optional. E-mail address the alarms notify (creates an SNS topic).',
  alarmTopicArn: 'Optional. Existing SNS topic ARN the alarms notify.',
  queries: 'Optional. false leaves out the Athena tables, workgroup and named queries. Default true.',
  replay: 'Optional. false leaves out the replay function that re-drives the error output. Default true.',
  dashboard: 'Optional. false leaves out the CloudWatch dashboard of the pipeline. Default true.',
  queryBytesScannedCutoffGb: 'Optional. The most one Athena query may scan, in GiB (at least 1). Default 100.',
  alerts: 'Optional. false turns the alert rules off: no EventBridge events, alert alarms or high-severity e-mails. Default true.',
  alertThresholds: 'Optional. Matches in 5 minutes that raise a rule\'s alarm, as rule=count pairs (0: no alarm). Default failed-login=5, others 1.',
  alertEventBus: 'Optional. Where alerts go: default (the account\'s default bus), create (a new bus), or a bus name or ARN. Default default.',
} as const;

/** The transformer's settings that the app takes from context, by context key (lambda/settings/definitions.ts). */
const SETTING_OF_CONTEXT_KEY: Readonly<Record<string, SettingName>> = Object.fromEntries(
  (Object.keys(SETTINGS) as SettingName[]).flatMap((name) => {
    const key = (SETTINGS[name] as SettingDoc).context;
    return key === undefined ? [] : [[key, name]];
  }),
);

/**
 * The context keys the app reads, with what each means: the stack's own, and the transformer's settings
 * described by their definitions. docs/configuration.md shows the same keys.
 */
export const CONTEXT_KEYS: Readonly<Record<string, string>> = {
  ...STACK_CONTEXT_KEYS,
  ...Object.fromEntries(
    Object.entries(SETTING_OF_CONTEXT_KEY).map(([key, name]) => {
      const setting = SETTINGS[name] as SettingDoc;
      return [key, `Optional. ${setting.description}. Default: ${setting.defaultText}.`];
    }),
  ),
};

export type ContextKey = string;

/**
 * The context key that sets each construct prop, so that the construct's own messages name what the
 * user of the app typed.
 */
export const CONTEXT_KEY_OF: Partial<Record<PropName, ContextKey>> = {
  ...Object.fromEntries(
    Object.entries(SETTING_OF_CONTEXT_KEY).map(([key, name]) => [(SETTINGS[name] as SettingDoc).prop, key]),
  ),
  activityStreams: 'dasStreamArn',
  transitionAfter: 'transitionAfterDays',
  expireAfter: 'expireAfterDays',
  noncurrentVersionExpiration: 'noncurrentExpireAfterDays',
  accessLogsExpiration: 'accessLogsExpireAfterDays',
  journalExpiration: 'journalExpireAfterDays',
  objectLockRetention: 'objectLockDays',
  logRetention: 'logRetentionDays',
  functionMemorySize: 'functionMemoryMb',
  alarmTopic: 'alarmTopicArn',
  queries: 'queries',
  replay: 'replay',
  dashboard: 'dashboard',
  alerts: 'alerts',
  'alerts.thresholds': 'alertThresholds',
  'alerts.eventBus': 'alertEventBus',
};

/** Missing or malformed context. The message names the keys and shows an example command. */
export class ContextError extends Error {
  constructor(problems: readonly string[]) {
    super(contextErrorMessage(problems));
    this.name = new.target.name;
  }
}

export const EXAMPLE_STREAM_ARN = 'arn:aws:kinesis:us-east-1:123456789012:stream/aws-rds-das-cluster-ABCDEFGHIJKL';
export const EXAMPLE_KEY_ARN = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

const STREAM_ARN = /^arn:(aws[a-z-]*):kinesis:([a-z0-9-]+):(\d{12}):stream\/([A-Za-z0-9_.-]{1,128})$/;
const KEY_ARN = /^arn:(aws[a-z-]*):kms:([a-z0-9-]+):(\d{12}):key\/((?:mrk-)?[A-Za-z0-9-]+)$/;
const ALIAS_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:alias\//;
const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;
const EVENT_BUS_NAME = /^[A-Za-z0-9._\-/]{1,256}$/;
const EVENT_BUS_ARN = /^arn:aws[a-z-]*:events:([a-z0-9-]+):\d{12}:event-bus\/([A-Za-z0-9._\-/]{1,256})$/;
const THRESHOLD_PAIR = /^([a-z0-9][a-z0-9-]*)\s*=\s*(\d+)$/;
const EMAIL = /^[^\s@,]+@[^\s@,]+\.[^\s@,]+$/;
/** A context key of the kind this app reads (CDK's own carry `:`, `@`, `/` or `-`). */
const APP_KEY = /^[A-Za-z][A-Za-z0-9_]*$/;

/**
 * Reads the app's context: parses every key, refuses keys it does not know (a mistyped key would
 * otherwise be ignored in silence), and throws one {@link ContextError} naming every problem.
 */
export function settingsFromContext(node: Node): DasFirehoseSettings {
  const problems: string[] = [...unknownKeys(node.getAllContext())];
  const read = (key: ContextKey): string | undefined => contextText(node.tryGetContext(key));

  const streamArns = list(read('dasStreamArn'));
  const keyArns = list(read('kmsKeyArn'));
  // A transformer setting, read with its definition's parser.
  const setting = <K extends SettingName>(name: K): SettingValue<K> | undefined => {
    const definition = SETTINGS[name] as Setting<SettingValue<K>>;
    if (definition.context === undefined || definition.fromContext === undefined) return undefined;
    const raw = node.tryGetContext(definition.context) as unknown;
    if (contextText(raw) === undefined && typeof raw !== 'object') return undefined;
    const reading = definition.fromContext(raw);
    if ('problem' in reading) {
      problems.push(reading.problem);
      return undefined;
    }
    return reading.value;
  };
  const nonEmpty = (values: readonly string[] | undefined): string[] | undefined => (values && values.length > 0 ? [...values] : undefined);
  const resourceId = setting('resourceId');

  const regions = new Set<string>();
  const database = databaseSettings(read, regions, problems);
  if (database) {
    const manual = (['dasStreamArn', 'kmsKeyArn'] as const).filter((key) => read(key) !== undefined);
    if (manual.length > 0) {
      problems.push(
        `Give database or ${manual.join(' and ')}, not both: with database the stack finds the stream and its key at deployment; ` +
          `with dasStreamArn and kmsKeyArn you give them yourself.`,
      );
    }
    if (resourceId !== undefined) problems.push(`${SETTINGS.resourceId.context as string} is read from the database at deployment; leave it out with database.`);
  } else {
    if (streamArns.length === 0) {
      problems.push(
        `database or dasStreamArn is missing: name the database to audit (-c database=${EXAMPLE_DATABASE_ARN}; ` +
          'npm run doctor -- --database <id> checks it first), or give the Kinesis stream your database activity stream writes to ' +
          '(arn:aws:kinesis:<region>:<account>:stream/aws-rds-das-<resourceId>). Find the stream name with: ' +
          'aws rds describe-db-clusters --query "DBClusters[].ActivityStreamKinesisStreamName" ' +
          '(describe-db-instances and DBInstances[] for Oracle and SQL Server).',
      );
    }
    if (keyArns.length === 0) {
      problems.push(
        'kmsKeyArn is missing: the ARN of the KMS key the activity stream was started with. Find it with: ' +
          'aws rds describe-db-clusters --query "DBClusters[].ActivityStreamKmsKeyId" (or describe-db-instances), then ' +
          'aws kms describe-key --key-id <id> --query KeyMetadata.Arn.',
      );
    }
  }

  const parsedStreams = streamArns.map((arn) => {
    const match = STREAM_ARN.exec(arn);
    if (!match) {
      problems.push(`dasStreamArn "${arn}" is not a Kinesis stream ARN (arn:aws:kinesis:<region>:<account>:stream/aws-rds-das-<resourceId>).`);
      return undefined;
    }
    regions.add(match[2] as string);
    return { arn, region: match[2] as string };
  });
  const parsedKeys = keyArns.map((arn) => {
    const match = KEY_ARN.exec(arn);
    if (!match) {
      problems.push(
        ALIAS_ARN.test(arn)
          ? `kmsKeyArn "${arn}" is an alias ARN; IAM grants on a key need the key ARN (aws kms describe-key --key-id ${arn} --query KeyMetadata.Arn).`
          : `kmsKeyArn "${arn}" is not a KMS key ARN (arn:aws:kms:<region>:<account>:key/<key-id>).`,
      );
      return undefined;
    }
    return { arn, region: match[2] as string };
  });
  if (streamArns.length > 0 && keyArns.length > 1 && keyArns.length !== streamArns.length) {
    problems.push(
      `kmsKeyArn lists ${keyArns.length} keys for ${streamArns.length} dasStreamArn streams: give one key for all, ` +
        'or one per stream in the same order.',
    );
  }
  if (regions.size > 1) {
    problems.push(
      database
        ? `database and activityStreamKeyArn name several regions (${[...regions].join(', ')}); deploy one stack per region.`
        : `dasStreamArn streams are in several regions (${[...regions].join(', ')}); deploy one stack per region.`,
    );
  }
  parsedStreams.forEach((stream, index) => {
    const key = parsedKeys.length === 1 ? parsedKeys[0] : parsedKeys[index];
    if (stream && key && key.region !== stream.region) {
      problems.push(
        `kmsKeyArn "${key.arn}" is in ${key.region} but its stream "${stream.arn}" is in ${stream.region}; ` +
          'an activity stream uses a key in its own region.',
      );
    }
  });

  const whole = (key: ContextKey): number | undefined => {
    const raw = read(key);
    if (raw === undefined) return undefined;
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value <= 0) {
      problems.push(`${key} must be a positive whole number; got "${raw}".`);
      return undefined;
    }
    return value;
  };
  const objectLockDays = whole('objectLockDays');
  const objectLockMode = read('objectLockMode')?.toUpperCase();
  if (objectLockMode !== undefined && objectLockMode !== 'GOVERNANCE' && objectLockMode !== 'COMPLIANCE') {
    problems.push(`objectLockMode must be GOVERNANCE or COMPLIANCE; got "${objectLockMode}".`);
  }
  if (objectLockMode !== undefined && objectLockDays === undefined) {
    problems.push('objectLockMode needs objectLockDays, the default retention in days.');
  }

  let logRetentionDays: logs.RetentionDays | undefined;
  const rawRetention = read('logRetentionDays');
  if (rawRetention !== undefined) {
    const allowed = Object.values(logs.RetentionDays).filter((item): item is number => typeof item === 'number');
    if (!allowed.includes(Number(rawRetention))) {
      problems.push(`logRetentionDays must be one of ${allowed.join(', ')}; got "${rawRetention}".`);
    } else {
      logRetentionDays = Number(rawRetention) as logs.RetentionDays;
    }
  }

  const alarmEmail = read('alarmEmail');
  const alarmTopicArn = read('alarmTopicArn');
  if (alarmEmail !== undefined && !EMAIL.test(alarmEmail)) problems.push(`alarmEmail "${alarmEmail}" is not an e-mail address.`);
  if (alarmTopicArn !== undefined && !TOPIC_ARN.test(alarmTopicArn)) {
    problems.push(`alarmTopicArn "${alarmTopicArn}" is not an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>).`);
  }
  if (alarmEmail !== undefined && alarmTopicArn !== undefined) {
    problems.push('Give alarmEmail or alarmTopicArn, not both (subscribe the address to your topic instead).');
  }

  const flag = (key: 'queries' | 'replay' | 'alerts' | 'dashboard'): boolean | undefined => {
    const raw = read(key)?.toLowerCase();
    if (raw === undefined) return undefined;
    if (raw !== 'true' && raw !== 'false') {
      problems.push(`${key} must be true or false; got "${raw}".`);
      return undefined;
    }
    return raw === 'true';
  };
  const queries = flag('queries');
  const replay = flag('replay');
  const dashboard = flag('dashboard');
  const decryptFastPath = setting('decryptFastPath');
  const alerts = flag('alerts');
  const alertRules = setting('alertCustomRules');
  const alertThresholds = thresholdsSetting(node.tryGetContext('alertThresholds'), problems);
  const alertEventBus = eventBusSetting(read('alertEventBus'), [...regions][0], problems);
  const alertSqlTextChars = setting('alertSqlTextChars');
  if (alerts === false) {
    const alertKeys = [
      ...(['alertsDisabled', 'privilegedUsers', 'alertCustomRules', 'alertSqlTextChars', 'securityHub'] as const).map((name) => SETTINGS[name].context as string),
      'alertThresholds',
      'alertEventBus',
    ].filter((key) => contextText(node.tryGetContext(key)) !== undefined);
    if (alertKeys.length > 0) problems.push(`${alertKeys.join(', ')} ${alertKeys.length === 1 ? 'sets' : 'set'} alerting, which alerts=false turns off; leave ${alertKeys.length === 1 ? 'it' : 'them'} out.`);
  }

  const settings: DasFirehoseSettings = {
    activityStreams: streamArns.map((streamArn, index) => ({
      streamArn,
      keyArn: (keyArns.length === 1 ? keyArns[0] : keyArns[index]) as string,
      ...(resourceId !== undefined ? { resourceId } : {}),
    })),
    ...(database ? { database } : {}),
    region: [...regions][0] ?? '',
    dropClasses: nonEmpty(setting('dropClasses')),
    dropCommands: nonEmpty(setting('dropCommands')),
    dropUsers: nonEmpty(setting('dropUsers')),
    transitionAfterDays: whole('transitionAfterDays'),
    expireAfterDays: whole('expireAfterDays'),
    noncurrentExpireAfterDays: whole('noncurrentExpireAfterDays'),
    accessLogsExpireAfterDays: whole('accessLogsExpireAfterDays'),
    journalExpireAfterDays: whole('journalExpireAfterDays'),
    objectLock: objectLockDays !== undefined ? { mode: (objectLockMode ?? 'GOVERNANCE') as ObjectLockSettings['mode'], days: objectLockDays } : undefined,
    logRetentionDays,
    functionMemoryMb: whole('functionMemoryMb'),
    logLevel: setting('logLevel'),
    alarmEmail,
    alarmTopicArn,
    queries,
    replay,
    dashboard,
    decryptFastPath,
    queryBytesScannedCutoffGb: whole('queryBytesScannedCutoffGb'),
    alerts,
    alertsDisabled: nonEmpty(setting('alertsDisabled')),
    privilegedUsers: nonEmpty(setting('privilegedUsers')),
    alertRules,
    alertThresholds,
    alertEventBus,
    alertSqlTextChars,
    securityHub: setting('securityHub'),
  };
  if (problems.length > 0) throw new ContextError(problems);
  return settings;
}

/** App-like keys of the context that the app does not read, each with the key it probably meant. */
function unknownKeys(context: Record<string, unknown>): string[] {
  const known = Object.keys(CONTEXT_KEYS);
  return Object.keys(context)
    .filter((key) => APP_KEY.test(key) && !known.includes(key))
    .map((key) => {
      const meant = closest(key, known);
      return meant
        ? `Unknown context key "${key}": did you mean ${meant}? (-c ${meant}=…)`
        : `Unknown context key "${key}": this app reads ${known.join(', ')}.`;
    });
}

/** The known key `key` most probably mistypes: the same but for case, or at most two edits away. */
function closest(key: string, known: readonly string[]): string | undefined {
  const sameButCase = known.find((candidate) => candidate.toLowerCase() === key.toLowerCase());
  if (sameButCase) return sameButCase;
  let best: { key: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (distance <= 2 && (!best || distance < best.distance)) best = { key: candidate, distance };
  }
  return best?.key;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length] as number;
}

/** The whole message of a {@link ContextError}: the problems, then an example that works. */
export function contextErrorMessage(problems: readonly string[]): string {
  return [
    'das-firehose cannot synthesize: the CDK context is incomplete or malformed.',
    ...problems.map((problem) => `  - ${problem}`),
    '',
    'Name the database on the command line, for example:',
    `  npx cdk synth -c database=${EXAMPLE_DATABASE_ARN}`,
    'or give its activity stream and key yourself:',
    `  npx cdk synth -c dasStreamArn=${EXAMPLE_STREAM_ARN} -c kmsKeyArn=${EXAMPLE_KEY_ARN}`,
    'Several databases: comma-separated database, or comma-separated dasStreamArn and one kmsKeyArn for all or one per stream.',
    'Every context key is described in docs/configuration.md.',
  ].join('\n');
}


/**
 * `alertThresholds`: `rule=count` pairs (`failed-login=10,destructive-ddl=1`), or an object of them in
 * cdk.json. Whether the rules exist is the construct's to say.
 */
function thresholdsSetting(value: unknown, problems: string[]): Record<string, number> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'object' && !Array.isArray(value)) {
    const entries = Object.entries(value as Record<string, unknown>);
    const bad = entries.filter(([, count]) => typeof count !== 'number');
    if (bad.length > 0) problems.push(`alertThresholds must give each rule a whole number; got ${bad.map(([rule, count]) => `${rule}=${JSON.stringify(count)}`).join(', ')}.`);
    return Object.fromEntries(entries.filter(([, count]) => typeof count === 'number')) as Record<string, number>;
  }
  const pairs = list(contextText(value));
  if (pairs.length === 0) return undefined;
  const thresholds: Record<string, number> = {};
  for (const pair of pairs) {
    const match = THRESHOLD_PAIR.exec(pair);
    if (!match) {
      problems.push(`alertThresholds "${pair}" is not rule=count (a rule id and a whole number of matches in 5 minutes, 0 for no alarm), e.g. -c alertThresholds=failed-login=10,destructive-ddl=1.`);
    } else if (Object.hasOwn(thresholds, match[1] as string)) {
      problems.push(`alertThresholds gives ${match[1]} twice.`);
    } else {
      thresholds[match[1] as string] = Number(match[2]);
    }
  }
  return thresholds;
}

/** `alertEventBus`: default, create, a bus name, or a bus ARN in the stream's region. */
function eventBusSetting(value: string | undefined, region: string | undefined, problems: string[]): AlertEventBusSetting | undefined {
  if (value === undefined) return undefined;
  if (value === 'default') return { kind: 'default' };
  if (value === 'create') return { kind: 'create' };
  const arn = EVENT_BUS_ARN.exec(value);
  if (arn) {
    if (region !== undefined && arn[1] !== region) {
      problems.push(`alertEventBus "${value}" is in ${arn[1]}, but the stack deploys in ${region}: the function puts events on a bus of its own region.`);
    }
    return { kind: 'arn', arn: value };
  }
  if (value.startsWith('arn:') || !EVENT_BUS_NAME.test(value)) {
    problems.push(`alertEventBus must be default, create, an event bus name or an event bus ARN (arn:aws:events:<region>:<account>:event-bus/<name>); got "${value}".`);
    return undefined;
  }
  return { kind: 'name', name: value };
}

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}
