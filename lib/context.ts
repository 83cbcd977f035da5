import * as logs from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';
import { SETTINGS, type SettingName, type SettingValue } from '../lambda/settings/definitions';
import { contextText, type Setting, type SettingDoc } from '../lambda/settings/kinds';
import type { PropName } from './das-firehose-pipeline';
import { databaseSettings, EXAMPLE_DATABASE_ARN } from './database-context';
import { ContextError } from './context-error';
import { STACK_CONTEXT_KEYS, type DasFirehoseSettings, type ObjectLockSettings } from './context-settings';
import { eventBusSetting, list, thresholdsSetting, unknownKeys } from './context-values';

export type { DatabaseSettings } from './database-context';
export { ContextError, contextErrorMessage, EXAMPLE_KEY_ARN, EXAMPLE_STREAM_ARN } from './context-error';
export type { ActivityStreamSettings, AlertEventBusSetting, DasFirehoseSettings, ObjectLockSettings } from './context-settings';


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

const STREAM_ARN = /^arn:(aws[a-z-]*):kinesis:([a-z0-9-]+):(\d{12}):stream\/([A-Za-z0-9_.-]{1,128})$/;
const KEY_ARN = /^arn:(aws[a-z-]*):kms:([a-z0-9-]+):(\d{12}):key\/((?:mrk-)?[A-Za-z0-9-]+)$/;
const ALIAS_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:alias\//;
const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;
const EMAIL = /^[^\s@,]+@[^\s@,]+\.[^\s@,]+$/;

/**
 * Reads the app's context: parses every key, refuses keys it does not know (a mistyped key would
 * otherwise be ignored in silence), and throws one {@link ContextError} naming every problem.
 */
export function settingsFromContext(node: Node): DasFirehoseSettings {
  const problems: string[] = [...unknownKeys(node.getAllContext(), Object.keys(CONTEXT_KEYS))];
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

