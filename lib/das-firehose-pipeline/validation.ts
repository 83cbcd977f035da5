import { SizeRoundingBehavior, Token } from 'aws-cdk-lib';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as kms from 'aws-cdk-lib/aws-kms';
// The transformer's own reading of stream names and resource IDs: one definition for both sides.
import { isResourceId, resourceIdFromStreamName } from '../../lambda/core/resource';
import * as defaults from '../defaults';
import type { DasFirehosePipelineProps } from './props';

/** An activity stream with its resource ID settled. */
export interface ResolvedSource {
  readonly stream: kinesis.IStream;
  readonly key: kms.IKey;
  readonly resourceId: string;
  /** Whether the resource ID was given rather than read from the stream name. */
  readonly resourceIdGiven: boolean;
}

/** Props the pipeline cannot build from, with every problem found (not only the first). */
export class PipelinePropsError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`DasFirehosePipeline cannot be built:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'PipelinePropsError';
  }
}

/** How a prop is named in messages: by default its own name; the stack gives its context keys instead. */
export type PropNamer = (prop: keyof DasFirehosePipelineProps) => string;

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
 * do with them, the activity streams with their resource IDs settled.
 */
export function checkPipelineProps(
  props: DasFirehosePipelineProps,
  name: PropNamer = (prop) => prop,
): { problems: string[]; sources: ResolvedSource[] } {
  const problems: string[] = [];
  const sources = resolveSources(props, name, problems);

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
  return { problems, sources };
}

function resolveSources(props: DasFirehosePipelineProps, name: PropNamer, problems: string[]): ResolvedSource[] {
  const streams = props.activityStreams ?? [];
  if (streams.length === 0) {
    problems.push(`${name('activityStreams')} needs at least one activity stream.`);
    return [];
  }
  const resolved: ResolvedSource[] = [];
  streams.forEach((source, index) => {
    const streamName = source.stream.streamName;
    const parsed = Token.isUnresolved(streamName) ? undefined : resourceIdFromStreamName(streamName);
    const resourceId = source.resourceId ?? parsed;
    const which = streams.length > 1 ? `${name('activityStreams')}[${index}]` : name('activityStreams');
    if (resourceId === undefined) {
      problems.push(
        `${which}: cannot tell the resource ID from the stream name "${streamName}" (expected aws-rds-das-<resourceId>); ` +
          'give its resourceId (cluster-… or db-…).',
      );
    } else if (Token.isUnresolved(resourceId) || !isResourceId(resourceId)) {
      problems.push(
        `${which}: the resource ID must be an Aurora cluster resource ID (cluster-…) or an RDS instance resource ID (db-…), ` +
          `e.g. cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ; got "${resourceId}".`,
      );
    } else {
      resolved.push({ stream: source.stream, key: source.key, resourceId, resourceIdGiven: source.resourceId !== undefined });
    }
  });
  if (streams.length > 1 && streams.some((source) => source.resourceId !== undefined)) {
    problems.push(
      'A resource ID can only be given with a single activity stream: with several, the function tells databases apart by ' +
        'their stream names (aws-rds-das-<resourceId>).',
    );
  }
  const seen = new Set<string>();
  for (const source of resolved) {
    if (seen.has(source.resourceId)) problems.push(`The activity stream of ${source.resourceId} is listed twice; give each database once.`);
    seen.add(source.resourceId);
  }
  return resolved;
}
