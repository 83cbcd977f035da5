import { createHash, createHmac } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { GenerateDataKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import type { FirehoseTransformationEvent } from 'aws-lambda';
import { syntheticEvents } from './activity-events';
import {
  activityJson,
  envelopeJson,
  encryptionContextFor,
  firehoseEvent,
  mintDasRecord,
  PROFILES,
  sealPayload,
  type Engine,
  type EngineProfile,
  type MintKey,
} from './das-synth';
import { DEV_ACCOUNT, DEV_KMS_KEY_ARN, DEV_KMS_KEY_MATERIAL, DEV_REGION } from '../aws/dev-key';
import { sealDataKey } from '../aws/kms-endpoint';

/**
 * Builds the Firehose events of `events/` and of `npm run events`: synthetic DAS records minted as RDS
 * mints them, some of them malformed on purpose, wrapped in a Firehose data-transformation event that
 * also carries an `about` field saying which key sealed it and how to make it again.
 */

/** Ways a record can be bad, each failing at a different step of the transformer. */
export const MALFORMED_KINDS = [
  'not-text',
  'not-json',
  'wrong-envelope-type',
  'missing-field',
  'tampered-ciphertext',
  'wrong-encryption-context',
  'plaintext-not-gzip',
  'gzip-not-json',
  'no-event-list',
  'repeated-event-list',
  'too-deep',
] as const;
export type MalformedKind = (typeof MALFORMED_KINDS)[number];

/** Where a record's data key comes from: the local development key offline, or a real KMS key. */
export interface DataKeySource {
  /** The KMS key ARN (or ID) the blobs are sealed under, for the `about` field. */
  readonly keyId: string;
  /** True for the public local development key. */
  readonly local: boolean;
  /** A data key sealed under `context`, as RDS gets from `GenerateDataKey`. */
  dataKey(context: Readonly<Record<string, string>>): Promise<MintKey>;
}

/**
 * The local development key, offline: no KMS endpoint needs to run. Plaintext data keys are derived
 * from the (public) key material and the context rather than drawn at random, so regenerating the
 * samples changes only IVs and ciphertext, never which data key a resource uses.
 */
export function devKeySource(): DataKeySource {
  return {
    keyId: DEV_KMS_KEY_ARN,
    local: true,
    async dataKey(context) {
      const plaintext = createHmac('sha256', DEV_KMS_KEY_MATERIAL)
        .update(`data key for ${JSON.stringify(Object.entries(context).sort())}`)
        .digest();
      const blob = sealDataKey(DEV_KMS_KEY_ARN, DEV_KMS_KEY_MATERIAL, plaintext, { ...context });
      return { plaintext: new Uint8Array(plaintext), blob: blob.toString('base64') };
    },
  };
}

/**
 * A real KMS key: each data key comes from `GenerateDataKey` (AES_256) under the DAS encryption
 * context, exactly as RDS requests it, so the deployed function's `kms:Decrypt` grant is exercised.
 */
export function kmsKeySource(kms: KMSClient, keyId: string): DataKeySource {
  return {
    keyId,
    local: false,
    async dataKey(context) {
      const answer = await kms.send(
        new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: 'AES_256', EncryptionContext: { ...context } }),
      );
      if (!answer.Plaintext || !answer.CiphertextBlob) throw new Error('KMS GenerateDataKey returned no key');
      return { plaintext: new Uint8Array(answer.Plaintext), blob: Buffer.from(answer.CiphertextBlob).toString('base64') };
    },
  };
}

export interface SampleSpec {
  readonly engine: Engine;
  /** Firehose records in the event. */
  readonly records: number;
  /** Activity events in each record (heartbeats included). */
  readonly eventsPerRecord: number;
  /** Share of events that are heartbeats, 0–1. */
  readonly heartbeatShare: number;
  /** Share of records made malformed, 0–1, cycling through MALFORMED_KINDS. */
  readonly malformedShare: number;
  /** The stream's resource. @default the engine's synthetic one */
  readonly resourceId?: string;
  /** Distinguishes this event's record IDs (and so its S3 object names) from other events'. */
  readonly batch: number;
  /** The command that makes this event again, for the `about` field. */
  readonly command: string;
}

/** The committed samples: every engine, heartbeats alone, and every kind of bad record among good ones. */
export const SAMPLES: Readonly<Record<string, Omit<SampleSpec, 'batch' | 'command'>>> = {
  'aurora-postgresql.json': { engine: 'aurora-postgresql', records: 8, eventsPerRecord: 25, heartbeatShare: 0.1, malformedShare: 0 },
  'aurora-mysql.json': { engine: 'aurora-mysql', records: 8, eventsPerRecord: 25, heartbeatShare: 0.1, malformedShare: 0 },
  'rds-oracle.json': { engine: 'rds-oracle', records: 8, eventsPerRecord: 25, heartbeatShare: 0.1, malformedShare: 0 },
  'rds-sqlserver.json': { engine: 'rds-sqlserver', records: 8, eventsPerRecord: 25, heartbeatShare: 0.1, malformedShare: 0 },
  'heartbeats-only.json': { engine: 'aurora-postgresql', records: 4, eventsPerRecord: 10, heartbeatShare: 1, malformedShare: 0 },
  'mixed-malformed.json': { engine: 'aurora-postgresql', records: 22, eventsPerRecord: 10, heartbeatShare: 0, malformedShare: 0.5 },
};

/**
 * A batch number from a file name, so each file's record IDs, and therefore its S3 object names,
 * differ from every other file's: two files of the same resource would otherwise overwrite each other.
 */
export function batchFor(fileName: string): number {
  return createHash('sha256').update(fileName).digest().readUInt32BE(0) % 100_000_000;
}

/** The command line that makes a spec's file, for the `about` field. */
export function eventsCommand(spec: Omit<SampleSpec, 'batch' | 'command'>, out: string, kmsKeyId?: string): string {
  const options = [
    `--engine ${spec.engine}`,
    `--records ${spec.records}`,
    `--events-per-record ${spec.eventsPerRecord}`,
    `--heartbeat-share ${spec.heartbeatShare}`,
    `--malformed-share ${spec.malformedShare}`,
    ...(kmsKeyId ? [`--kms-key-id ${kmsKeyId}`] : []),
    ...(spec.resourceId ? [`--resource-id ${spec.resourceId}`] : []),
    `--out ${out}`,
  ];
  return `npm run events -- ${options.join(' ')}`;
}

/** What a sample file says about itself. Firehose and the handler ignore it. */
export interface SampleAbout {
  readonly summary: string;
  readonly kmsKey: string;
  readonly resourceId: string;
  readonly madeWith: string;
  readonly malformed: ReadonlyArray<{ readonly recordId: string; readonly kind: MalformedKind }>;
}

export type SampleEvent = { about: SampleAbout } & FirehoseTransformationEvent & { sourceKinesisStreamArn: string };

/** Record indexes to make malformed: spread evenly, e.g. every other one for a share of 0.5. */
export function malformedIndexes(records: number, share: number): number[] {
  const count = Math.min(records, Math.round(records * share));
  return Array.from({ length: count }, (_, k) => Math.floor(((k + 0.5) * records) / count));
}

const START = Date.UTC(2026, 10, 21, 12, 0, 0);
/** Records start a minute apart, so a sample spans part of one hour as a quiet database would. */
const RECORD_SPACING_MS = 60_000;

/**
 * Mints one Firehose event. All good records share one data key, as consecutive RDS records do, so
 * the handler needs a single KMS call for the batch.
 */
export async function mintSampleEvent(spec: SampleSpec, keys: DataKeySource): Promise<SampleEvent> {
  const profile = profileFor(spec.engine, spec.resourceId);
  const context = encryptionContextFor(profile.resourceId);
  const key = await keys.dataKey(context);
  const bad = new Map(malformedIndexes(spec.records, spec.malformedShare).map((index, k) => [index, MALFORMED_KINDS[k % MALFORMED_KINDS.length] as MalformedKind]));
  const { region, account } = arnParts(keys.keyId);

  const payloads: Array<string | Buffer> = [];
  for (let index = 0; index < spec.records; index++) {
    const events = syntheticEvents(spec.engine, spec.eventsPerRecord, {
      seed: spec.batch + index + 1,
      start: START + index * RECORD_SPACING_MS,
      heartbeatShare: spec.heartbeatShare,
    });
    const kind = bad.get(index);
    payloads.push(
      kind === undefined
        ? await mintDasRecord({ engine: spec.engine, events, key, profile })
        : await malformedPayload(kind, { engine: spec.engine, profile, events, key, keys }),
    );
  }

  const event = firehoseEvent({ resourceId: profile.resourceId, records: payloads, batch: spec.batch, region });
  const streamArn = event.sourceKinesisStreamArn.replace(`:${DEV_ACCOUNT}:`, `:${account}:`);
  const about: SampleAbout = {
    summary:
      `Synthetic ${spec.engine} Database Activity Stream records in a Firehose data-transformation event: ` +
      `${spec.records} records of ${spec.eventsPerRecord} events, heartbeat share ${spec.heartbeatShare}, ` +
      `${bad.size} malformed on purpose.`,
    kmsKey: keys.local
      ? `LOCAL DEVELOPMENT KEY ${DEV_KMS_KEY_ARN} (testkit/aws/dev-key.ts): public, protects nothing; only the local KMS endpoint of npm start and npm run local decrypts these records`
      : `${keys.keyId}: data keys from KMS GenerateDataKey under the encryption context ${JSON.stringify(context)}`,
    resourceId: profile.resourceId,
    madeWith: spec.command,
    malformed: [...bad].map(([index, kind]) => ({ recordId: (event.records[index] as { recordId: string }).recordId, kind })),
  };
  return { about, ...event, sourceKinesisStreamArn: streamArn };
}

interface MalformedInput {
  readonly engine: Engine;
  readonly profile: EngineProfile;
  readonly events: readonly Record<string, unknown>[];
  readonly key: MintKey;
  readonly keys: DataKeySource;
}

async function malformedPayload(kind: MalformedKind, input: MalformedInput): Promise<string | Buffer> {
  const { engine, profile, events, key } = input;
  const seal = async (plaintext: Buffer): Promise<string> =>
    envelopeJson(profile.version, (await sealPayload(plaintext, key, profile.suite, profile.frameLength)).toString('base64'), key.blob);
  const good = async (): Promise<Record<string, string>> =>
    JSON.parse(await mintDasRecord({ engine, events, key, profile })) as Record<string, string>;
  switch (kind) {
    case 'not-text':
      // A producer that put binary on the stream: Firehose base64-encodes whatever bytes Kinesis held.
      return gzipSync(JSON.stringify(await good()));
    case 'not-json':
      return '{"type": "DatabaseActivityMonitoringRecords", "version": ';
    case 'wrong-envelope-type':
      return JSON.stringify({ ...(await good()), type: 'DatabaseActivityMonitoringRecord' });
    case 'missing-field': {
      const { key: _dropped, ...rest } = await good();
      return JSON.stringify(rest);
    }
    case 'tampered-ciphertext': {
      const record = await good();
      const message = Buffer.from(record.databaseActivityEvents as string, 'base64');
      const at = Math.floor(message.length * 0.75);
      message[at] = (message[at] as number) ^ 0x01;
      return JSON.stringify({ ...record, databaseActivityEvents: message.toString('base64') });
    }
    case 'wrong-encryption-context': {
      // The classic mistake: the instance-level context key for a cluster, or the reverse.
      const wrong: Record<string, string> = profile.resourceId.startsWith('cluster-')
        ? { 'aws:rds:db-id': profile.resourceId }
        : { 'aws:rds:dbc-id': profile.resourceId };
      const wrongKey = await input.keys.dataKey(wrong);
      return mintDasRecord({ engine, events, key: wrongKey, profile });
    }
    case 'plaintext-not-gzip':
      return seal(Buffer.from(JSON.stringify({ type: 'DatabaseActivityMonitoringRecord', databaseActivityEventList: [] })));
    case 'gzip-not-json':
      return seal(gzipSync('databaseActivityEventList: not JSON at all'));
    case 'no-event-list':
      return seal(gzipSync(JSON.stringify({ type: 'DatabaseActivityMonitoringRecord', instanceId: profile.instanceId })));
    case 'repeated-event-list': {
      // JSON.parse would keep the second, empty list and the record would pass for heartbeats only.
      const json = activityJson(profile, events);
      return seal(gzipSync(`${json.slice(0, -1)},"databaseActivityEventList":[]}`));
    }
    case 'too-deep':
      return seal(gzipSync(activityJson(profile, [{ ...events[0], nested: JSON.parse(`${'['.repeat(100)}${']'.repeat(100)}`) }])));
  }
}

/** The engine's profile, moved to another resource when one is given (a real cluster or instance). */
export function profileFor(engine: Engine, resourceId: string | undefined): EngineProfile {
  const profile = PROFILES[engine];
  if (!resourceId) return profile;
  const cluster = resourceId.startsWith('cluster-');
  return {
    ...profile,
    resourceId,
    clusterId: cluster ? resourceId : undefined,
    instanceId: cluster ? profile.instanceId : resourceId,
  };
}

/** Region and account of a KMS key ARN, so the event's ARNs name the same place; defaults otherwise. */
function arnParts(keyId: string): { region: string; account: string } {
  const match = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):(\d{12}):/.exec(keyId);
  return match ? { region: match[1] as string, account: match[2] as string } : { region: DEV_REGION, account: DEV_ACCOUNT };
}
