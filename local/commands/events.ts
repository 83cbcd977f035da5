import { mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { KMSClient } from '@aws-sdk/client-kms';
import { isResourceId } from '../../lambda/core/shared/resource';
import { intOption, parseOptions, shareOption, UsageError } from './cli';
import { ENGINES, type Engine } from '../../testkit/das/das-synth';
import {
  batchFor,
  devKeySource,
  eventsCommand,
  kmsKeySource,
  mintSampleEvent,
  SAMPLES,
  type DataKeySource,
  type SampleSpec,
} from '../../testkit/das/sample-events';

/** What `npm run events -- --help` prints. */
export const EVENTS_USAGE = `Usage: npm run events -- [options]

With no options, regenerates the committed samples in events/ (every engine, heartbeats only,
and good records mixed with every kind of malformed one), sealed with the LOCAL DEVELOPMENT KEY.
With options, writes one Firehose event file.

  --engine <engine>             ${ENGINES.join(' | ')}
                                (default: aurora-postgresql, or rds-oracle for a db-… resource)
  --records <n>                 Firehose records in the event (default 8)
  --events-per-record <n>       activity events in each record (default 25)
  --heartbeat-share <0-1>       share of events that are heartbeats (default 0.1)
  --malformed-share <0-1>       share of records made malformed, cycling through: not text,
                                not JSON, wrong envelope type, missing field, tampered ciphertext,
                                wrong encryption context, plaintext not gzip, gzip of non-JSON,
                                no event list, the event list twice, nesting too deep (default 0)
  --out <file>                  where to write (default .local/events/<engine>.json)
  --kms-key-id <arn>            mint data keys with this real KMS key (GenerateDataKey, AES_256,
                                DAS encryption context), using the SDK's standard credentials, in
                                the key ARN's region; needs --resource-id. To smoke-test a deployed function.
  --resource-id <id>            the database's resource: cluster-… (Aurora) or db-… (RDS instance)
  --help                        show this help

Examples:
  npm run events
  npm run events -- --engine aurora-mysql --records 200 --malformed-share 0.1 --out .local/events/mysql.json
  npm run events -- --kms-key-id arn:aws:kms:eu-west-1:111122223333:key/… --resource-id cluster-ABC… --out smoke.json
`;

const DEFAULTS = { records: 8, eventsPerRecord: 25, heartbeatShare: 0.1, malformedShare: 0 } as const;

/** One file to write: its spec and which key seals it. */
export interface EventsPlan {
  readonly files: ReadonlyArray<{ readonly path: string; readonly spec: SampleSpec }>;
  readonly kmsKeyId?: string;
}

/** Reads `npm run events` options into what to write. Undefined means: print the usage. */
export function planEvents(argv: readonly string[], eventsDir = 'events'): EventsPlan | undefined {
  const { values } = parseOptions(
    argv,
    {
      engine: { type: 'string' },
      records: { type: 'string' },
      'events-per-record': { type: 'string' },
      'heartbeat-share': { type: 'string' },
      'malformed-share': { type: 'string' },
      out: { type: 'string' },
      'kms-key-id': { type: 'string' },
      'resource-id': { type: 'string' },
      help: { type: 'boolean' },
    },
    'events',
  );
  if (values.help) return undefined;

  if (argv.length === 0) {
    return {
      files: Object.entries(SAMPLES).map(([name, sample]) => {
        const path = join(eventsDir, name);
        return { path, spec: { ...sample, batch: batchFor(name), command: eventsCommand(sample, path) } };
      }),
    };
  }

  const resourceId = values['resource-id'];
  if (resourceId !== undefined && !isResourceId(resourceId)) {
    throw new UsageError(
      `--resource-id must be an Aurora cluster resource ID (cluster-…) or an RDS instance resource ID (db-…); got "${resourceId}"`,
    );
  }
  const kmsKeyId = values['kms-key-id'];
  if (kmsKeyId !== undefined && resourceId === undefined) {
    throw new UsageError(
      '--kms-key-id needs --resource-id: the data keys are bound to the database resource the deployed function expects, ' +
        'e.g. --resource-id cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ (aws rds describe-db-clusters --query "DBClusters[].DbClusterResourceId")',
    );
  }
  const engine = engineOption(values.engine, resourceId);
  const sample = {
    engine,
    records: intOption(values.records, 'records', 1, 100_000) ?? DEFAULTS.records,
    eventsPerRecord: intOption(values['events-per-record'], 'events-per-record', 1, 100_000) ?? DEFAULTS.eventsPerRecord,
    heartbeatShare: shareOption(values['heartbeat-share'], 'heartbeat-share') ?? DEFAULTS.heartbeatShare,
    malformedShare: shareOption(values['malformed-share'], 'malformed-share') ?? DEFAULTS.malformedShare,
    ...(resourceId ? { resourceId } : {}),
  };
  const path = values.out ?? join('.local', 'events', `${engine}.json`);
  return {
    files: [{ path, spec: { ...sample, batch: batchFor(basename(path)), command: eventsCommand(sample, path, kmsKeyId) } }],
    ...(kmsKeyId ? { kmsKeyId } : {}),
  };
}

function engineOption(value: string | undefined, resourceId: string | undefined): Engine {
  if (value === undefined) return resourceId?.startsWith('db-') ? 'rds-oracle' : 'aurora-postgresql';
  if (!(ENGINES as readonly string[]).includes(value)) {
    throw new UsageError(`--engine must be one of ${ENGINES.join(', ')}; got "${value}"`);
  }
  const engine = value as Engine;
  // Aurora streams per cluster, RDS for Oracle and SQL Server per instance: the context key differs.
  if (resourceId && engine.startsWith('aurora-') !== resourceId.startsWith('cluster-')) {
    throw new UsageError(
      `${engine} streams per ${engine.startsWith('aurora-') ? 'cluster: give --resource-id cluster-…' : 'instance: give --resource-id db-…'}; got "${resourceId}"`,
    );
  }
  return engine;
}

export interface WrittenFile {
  readonly path: string;
  readonly records: number;
  readonly malformed: number;
  readonly bytes: number;
}

/** Firehose never sends a transformation request over 6 MB, and Lambda refuses a larger synchronous payload. */
export const REQUEST_CAP_BYTES = 6 * 1024 * 1024;

/**
 * Mints and writes every planned file. With a real key, a KMS failure (no credentials, no permission)
 * surfaces as one error naming the key and what to check.
 */
export async function writeEvents(plan: EventsPlan, kms?: KMSClient): Promise<WrittenFile[]> {
  const keys: DataKeySource = plan.kmsKeyId
    ? withKmsHint(kmsKeySource(kms ?? new KMSClient(regionOf(plan.kmsKeyId)), plan.kmsKeyId))
    : devKeySource();
  const written: WrittenFile[] = [];
  for (const { path, spec } of plan.files) {
    await refuseOversize(spec);
    const event = await mintSampleEvent(spec, keys);
    await mkdir(dirname(path), { recursive: true });
    const text = `${JSON.stringify(event, null, 2)}\n`;
    await writeFile(path, text);
    written.push({ path, records: event.records.length, malformed: event.about.malformed.length, bytes: Buffer.byteLength(text) });
  }
  return written;
}

/**
 * Firehose never sends more than 6 MB, so a bigger file is not a Firehose event: refuse it before
 * minting, from the size of one good record with the same events per record.
 */
async function refuseOversize(spec: SampleSpec): Promise<void> {
  if (spec.records === 1) return;
  // Sealed with the local key whatever the plan's: sizes are the same, and no real KMS call is spent.
  const one = await mintSampleEvent({ ...spec, records: 1, malformedShare: 0 }, devKeySource());
  const perRecord = Buffer.byteLength(JSON.stringify(one.records[0], null, 2)) + 8;
  const estimate = perRecord * spec.records + 2048;
  if (estimate > REQUEST_CAP_BYTES) {
    const fits = Math.max(1, Math.floor((REQUEST_CAP_BYTES - 2048) / perRecord));
    throw new UsageError(
      `${spec.records} records of ${spec.eventsPerRecord} events would make a file of about ${(estimate / 1048576).toFixed(1)} MB, ` +
        `over the 6 MB a Firehose request can be: use --records ${fits} or fewer (or fewer --events-per-record)`,
    );
  }
}

/** A key ARN names its region; prefer it over the environment's, which may point elsewhere. */
function regionOf(keyId: string): { region?: string } {
  const region = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):/.exec(keyId)?.[1];
  return region ? { region } : {};
}

function withKmsHint(source: DataKeySource): DataKeySource {
  return {
    ...source,
    async dataKey(context) {
      try {
        return await source.dataKey(context);
      } catch (error) {
        const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        throw new Error(
          `KMS GenerateDataKey with ${source.keyId} failed (${text}). Check the SDK's credentials (AWS_PROFILE, ` +
            'AWS_ACCESS_KEY_ID…), that the key exists in that region, and that you may call kms:GenerateDataKey on it',
          { cause: error },
        );
      }
    },
  };
}
