import { SizeRoundingBehavior, Token } from 'aws-cdk-lib';
// The transformer's own rules and its reading of stream names and resource IDs: one definition for both sides.
import { activeRules, BUILT_IN_RULE_IDS, disabledRuleProblems } from '../../lambda/core/alerts/alert-rules';
import { parseCustomRules } from '../../lambda/core/alerts/custom-rules';
import { encryptionContextFor, isResourceId, resourceIdFromStreamName } from '../../lambda/core/shared/resource';
import * as defaults from '../defaults';
import type { ActivityStreamSource, AlertsOptions, DasFirehosePipelineProps, EncryptionContextKey } from './props';
import type { PropNamer, ResolvedAlerts, ResolvedSource } from './resolved';
import { checkEnvironmentSize } from './environment-size';

export type { ResolvedAlerts, ResolvedSource } from './resolved';

/** Props the pipeline cannot build from, with every problem found (not only the first). */
export class PipelinePropsError extends Error {
  constructor(
    readonly problems: readonly string[],
    /** The construct path of the pipeline that refused them (`Stack/Pipeline`), when known. */
    readonly constructPath?: string,
  ) {
    super(`DasFirehosePipeline${constructPath ? ` at ${constructPath}` : ''} cannot be built:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'PipelinePropsError';
  }
}

export type { PropName, PropNamer } from './resolved';

/** The bucket settings that have no meaning with a bucket the caller brings. */
const BUCKET_SETTINGS = [
  'transitionAfter',
  'transitionStorageClass',
  'expireAfter',
  'noncurrentVersionExpiration',
  'journalExpiration',
  'accessLogsExpiration',
  'objectLockRetention',
  'bucketRemovalPolicy',
] as const satisfies ReadonlyArray<keyof DasFirehosePipelineProps>;

const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR'];

/**
 * Every rule the pipeline's props must follow, written once: the construct throws them, and the stack
 * reports them under the names of its context keys. Returns the problems and, when there are none to
 * do with them, the activity streams with their resource IDs settled and the alert settings with the
 * rules in force (checked by the transformer's own rule parser, so the function never refuses at its
 * cold start what synth let through).
 */
export function checkPipelineProps(
  props: DasFirehosePipelineProps,
  name: PropNamer = (prop) => prop,
): { problems: string[]; sources: ResolvedSource[]; alerts: ResolvedAlerts } {
  const problems: string[] = [];
  const sources = resolveSources(props, name, problems);
  const alerts = resolveAlerts(props, name, problems);

  const range = (prop: keyof DasFirehosePipelineProps, value: number, min: number, max: number, unit: string, options: { whole?: boolean; why?: string } = {}): void => {
    if ((options.whole && !Number.isInteger(value)) || value < min || value > max) {
      const what = options.whole ? `a whole number of ${unit} from ${min} to ${max}` : `from ${min} to ${max} ${unit}`;
      problems.push(`${name(prop)} must be ${what}${options.why ? ` (${options.why})` : ''}; got ${value}.`);
    }
  };
  range('functionTimeout', (props.functionTimeout ?? defaults.DEFAULT_FUNCTION_TIMEOUT).toSeconds(), 60, 300, 'seconds', { why: 'Firehose waits at most 5 minutes' });
  range('processorRetries', props.processorRetries ?? defaults.DEFAULT_PROCESSOR_RETRIES, 3, 300, 'retries', { whole: true });
  const memory = props.functionMemorySize ?? defaults.DEFAULT_FUNCTION_MEMORY_MB;
  if (!Number.isInteger(memory) || memory < defaults.MIN_FUNCTION_MEMORY_MB || memory > 10240) {
    problems.push(
      `${name('functionMemorySize')} must be a whole number of MB from ${defaults.MIN_FUNCTION_MEMORY_MB} to 10240 ` +
        `(below that a worst-case record cannot be bounded; see docs/performance.md); got ${memory}.`,
    );
  }
  range('processorBufferSize', (props.processorBufferSize ?? defaults.DEFAULT_PROCESSOR_BUFFER_SIZE).toKibibytes() / 1024, 0.2, 3, 'MiB');
  range('processorBufferInterval', (props.processorBufferInterval ?? defaults.DEFAULT_PROCESSOR_BUFFER_INTERVAL).toSeconds(), 0, 900, 'seconds');
  range(
    'deliveryBufferSize',
    (props.deliveryBufferSize ?? defaults.DEFAULT_DELIVERY_BUFFER_SIZE).toMebibytes({ rounding: SizeRoundingBehavior.NONE }),
    1,
    128,
    'MiB',
    { whole: true },
  );
  range('deliveryBufferInterval', (props.deliveryBufferInterval ?? defaults.DEFAULT_DELIVERY_BUFFER_INTERVAL).toSeconds(), 0, 900, 'seconds');

  const transitionAfter = (props.transitionAfter ?? defaults.DEFAULT_TRANSITION_AFTER).toDays();
  if (props.expireAfter && props.expireAfter.toDays() <= transitionAfter) {
    problems.push(`${name('expireAfter')} (${props.expireAfter.toDays()} days) must be longer than ${name('transitionAfter')} (${transitionAfter} days).`);
  }
  if (props.bucket) {
    const given = BUCKET_SETTINGS.filter((setting) => props[setting] !== undefined);
    if (given.length > 0) {
      problems.push(
        `${given.map(name).join(', ')} ${given.length === 1 ? 'applies' : 'apply'} to a bucket the pipeline creates; with an existing ` +
          `${name('bucket')}, set them on that bucket instead.`,
      );
    }
  }
  if (props.logLevel !== undefined && !LOG_LEVELS.includes(props.logLevel.toUpperCase())) {
    problems.push(`${name('logLevel')} must be one of ${LOG_LEVELS.join(', ')}; got "${props.logLevel}".`);
  }
  if (typeof props.queries === 'object') {
    const { databaseName, workGroupName, bytesScannedCutoffPerQuery } = props.queries;
    if (databaseName !== undefined && !/^[a-z0-9_]{1,255}$/.test(databaseName)) {
      problems.push(`${name('queries')}.databaseName must be lower case letters, digits and _ (a Glue database name); got "${databaseName}".`);
    }
    if (workGroupName !== undefined && !/^[A-Za-z0-9._-]{1,128}$/.test(workGroupName)) {
      problems.push(`${name('queries')}.workGroupName must be letters, digits, ., _ and - (an Athena workgroup name); got "${workGroupName}".`);
    }
    if (bytesScannedCutoffPerQuery !== undefined && bytesScannedCutoffPerQuery.toBytes() < 10_000_000) {
      problems.push(`${name('queries')}.bytesScannedCutoffPerQuery must be at least 10 MB, Athena's least; got ${bytesScannedCutoffPerQuery.toBytes()} bytes.`);
    }
  }
  if (props.alarms === false && props.alarmTopic !== undefined) {
    problems.push(`${name('alarmTopic')} has no alarms to notify with ${name('alarms')} off.`);
  }
  const namespace = props.metricsNamespace;
  if (namespace !== undefined && (!/^[\x21-\x7e][\x20-\x7e]{0,254}$/.test(namespace) || namespace.startsWith(':') || namespace.startsWith('AWS/'))) {
    problems.push(`${name('metricsNamespace')} must be 1 to 255 printable ASCII characters, not starting with ":" or "AWS/" (a CloudWatch namespace); got "${namespace}".`);
  }
  if (sources.length > 0) checkEnvironmentSize(props, sources, alerts, name, problems);
  return { problems, sources, alerts };
}

const ALERTS_OFF: ResolvedAlerts = {
  rules: [],
  disabledRules: BUILT_IN_RULE_IDS,
  privilegedUsers: [],
  customRules: [],
  thresholds: new Map(),
  sqlTextChars: 0,
  notifyHighSeverity: false,
  securityHub: false,
};

/**
 * The alert settings, checked with the transformer's own rule parser: what the function would refuse
 * at its cold start is refused here, at synth, under the prop's (or context key's) name.
 */
function resolveAlerts(props: DasFirehosePipelineProps, name: PropNamer, problems: string[]): ResolvedAlerts {
  if (props.alerts === false) return ALERTS_OFF;
  const options: AlertsOptions = typeof props.alerts === 'object' ? props.alerts : {};
  const cleaned = (values: readonly string[] | undefined) => (values ?? []).map((value) => value.trim()).filter((value) => value.length > 0);

  const disabledRules = cleaned(options.disabledRules).map((id) => id.toLowerCase());
  problems.push(...disabledRuleProblems(disabledRules, name('alerts.disabledRules')).map(sentence));

  const privilegedUsers = cleaned(options.privilegedUsers);
  const withComma = privilegedUsers.filter((user) => user.includes(','));
  if (withComma.length > 0) {
    problems.push(`${name('alerts.privilegedUsers')} are user names, one per item; got ${withComma.map((user) => `"${user}"`).join(', ')}.`);
  }
  const dropped = new Set(cleaned(props.dropUsers).map((user) => user.toLowerCase()));
  const both = privilegedUsers.filter((user) => dropped.has(user.toLowerCase()));
  if (both.length > 0) {
    problems.push(
      `${name('alerts.privilegedUsers')} lists ${both.join(', ')}, whom ${name('dropUsers')} leaves out: their events are dropped ` +
        'before the alert rules see them. Keep them in the audit log, or leave them out of the privileged users.',
    );
  }

  const customRules = options.customRules ?? [];
  const custom = options.customRules === undefined ? { rules: [], problems: [] } : parseCustomRules(customRules, name('alerts.customRules'));
  problems.push(...custom.problems.map(sentence));
  const rules = activeRules({ disabled: disabledRules, privilegedUsers, custom: custom.rules });

  const known = [...BUILT_IN_RULE_IDS, ...(Array.isArray(customRules) ? customRules.map((rule) => rule?.id).filter((id): id is string => typeof id === 'string') : [])];
  const given = options.thresholds ?? {};
  for (const [id, threshold] of Object.entries(given)) {
    if (!known.includes(id)) {
      problems.push(`${name('alerts.thresholds')} names no rule: "${id}"; the rules are ${known.join(', ')}.`);
    }
    if (typeof threshold !== 'number' || !Number.isSafeInteger(threshold) || threshold < 0) {
      problems.push(`${name('alerts.thresholds')} for ${id} must be a whole number of matches in 5 minutes, 0 for no alarm; got ${JSON.stringify(threshold)}.`);
    }
  }
  if (props.alarms === false && options.thresholds !== undefined) {
    problems.push(`${name('alerts.thresholds')} sets the alert rules' alarms, which ${name('alarms')} off leaves out.`);
  }
  const thresholds = new Map(rules.map((rule) => [rule.id, given[rule.id] ?? defaults.DEFAULT_ALERT_THRESHOLDS[rule.id] ?? defaults.DEFAULT_ALERT_THRESHOLD]));

  const sqlTextChars = options.sqlTextChars ?? 0;
  if (!Number.isSafeInteger(sqlTextChars) || sqlTextChars < 0 || sqlTextChars > defaults.MAX_ALERT_SQL_TEXT_CHARS) {
    problems.push(`${name('alerts.sqlTextChars')} must be a whole number of characters from 0 (no SQL text) to ${defaults.MAX_ALERT_SQL_TEXT_CHARS}; got ${sqlTextChars}.`);
  }
  if (options.notifyHighSeverity === true && props.alarmTopic === undefined) {
    problems.push(`${name('alerts.notifyHighSeverity')} sends high-severity alerts to ${name('alarmTopic')}; give a topic.`);
  }
  return {
    rules,
    disabledRules,
    privilegedUsers,
    customRules,
    thresholds,
    sqlTextChars,
    ...(options.eventBus ? { eventBus: options.eventBus } : {}),
    notifyHighSeverity: options.notifyHighSeverity ?? true,
    securityHub: options.securityHub ?? false,
  };
}

/** A message from the transformer's checks, ended as the pipeline's are. */
function sentence(problem: string): string {
  return /[.!?]$/.test(problem) ? problem : `${problem}.`;
}

function resolveSources(props: DasFirehosePipelineProps, name: PropNamer, problems: string[]): ResolvedSource[] {
  const streams = props.activityStreams ?? [];
  if (streams.length === 0) {
    problems.push(`${name('activityStreams')} needs at least one activity stream.`);
    return [];
  }
  const resolved: ResolvedSource[] = [];
  streams.forEach((source, index) => {
    const which = streams.length > 1 ? `${name('activityStreams')}[${index}]` : name('activityStreams');
    if (source.resourceId !== undefined && Token.isUnresolved(source.resourceId)) {
      // Known only at deployment (a database source's attribute): the caller says what synth cannot read.
      const problem = tokenSourceProblem(source);
      if (problem) problems.push(`${which}: ${problem}`);
      else resolved.push({ stream: source.stream, key: source.key, resourceId: source.resourceId, resourceIdGiven: false, scopeId: source.name as string, contextKeys: [...new Set(source.encryptionContextKeys)] });
      return;
    }
    const streamName = source.stream.streamName;
    const parsed = Token.isUnresolved(streamName) ? undefined : resourceIdFromStreamName(streamName);
    const resourceId = source.resourceId ?? parsed;
    if (resourceId === undefined) {
      problems.push(
        `${which}: cannot tell the resource ID from the stream name "${streamName}" (expected aws-rds-das-<resourceId>); ` +
          'give its resourceId (cluster-… or db-…).',
      );
    } else if (!isResourceId(resourceId)) {
      problems.push(
        `${which}: the resource ID must be an Aurora cluster resource ID (cluster-…) or an RDS instance resource ID (db-…), ` +
          `e.g. cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ; got "${resourceId}".`,
      );
    } else {
      const contextKey = Object.keys(encryptionContextFor(resourceId))[0] as EncryptionContextKey;
      if (source.encryptionContextKeys !== undefined && (source.encryptionContextKeys.length !== 1 || source.encryptionContextKeys[0] !== contextKey)) {
        problems.push(`${which}: the resource ID ${resourceId} is encrypted under ${contextKey}; leave encryptionContextKeys out or give that one.`);
      }
      resolved.push({ stream: source.stream, key: source.key, resourceId, resourceIdGiven: source.resourceId !== undefined, scopeId: source.name ?? resourceId, contextKeys: [contextKey] });
    }
  });
  if (streams.length > 1 && streams.some((source) => source.resourceId !== undefined && !Token.isUnresolved(source.resourceId))) {
    problems.push(
      'A resource ID can only be given with a single activity stream: with several, the function tells databases apart by ' +
        'their stream names (aws-rds-das-<resourceId>).',
    );
  }
  const names = new Set<string>();
  for (const source of resolved) {
    if (names.has(source.scopeId)) problems.push(`Two activity streams are named ${source.scopeId}; give each database once, and each a name of its own.`);
    names.add(source.scopeId);
  }
  const seen = new Set<string>();
  for (const source of resolved.filter((item) => !Token.isUnresolved(item.resourceId))) {
    if (seen.has(source.resourceId)) problems.push(`The activity stream of ${source.resourceId} is listed twice; give each database once.`);
    seen.add(source.resourceId);
  }
  return resolved;
}

/** What a source whose resource ID is a token must give instead of what synth would read from it. */
function tokenSourceProblem(source: ActivityStreamSource): string | undefined {
  const missing = [
    source.name === undefined || Token.isUnresolved(source.name) ? 'a name (a construct id that stays the same across deployments)' : undefined,
    source.encryptionContextKeys === undefined || source.encryptionContextKeys.length === 0 ? 'its encryptionContextKeys (aws:rds:dbc-id for a cluster, aws:rds:db-id for an instance)' : undefined,
  ].filter((item): item is string => item !== undefined);
  if (missing.length > 0) return `its resource ID is known only at deployment, so give ${missing.join(' and ')}.`;
  const unknown = (source.encryptionContextKeys ?? []).filter((key) => key !== 'aws:rds:dbc-id' && key !== 'aws:rds:db-id');
  return unknown.length > 0 ? `encryptionContextKeys must be aws:rds:dbc-id or aws:rds:db-id; got ${unknown.join(', ')}.` : undefined;
}
