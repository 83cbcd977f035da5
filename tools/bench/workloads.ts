import type { FirehoseTransformationEvent } from 'aws-lambda';
import { randomBytes } from 'node:crypto';
import { syntheticEvents } from '../../testkit/das/activity-events';
import { envelopeJson, firehoseEvent, mintDasRecord, PROFILES, type Engine, type MintKey } from '../../testkit/das/das-synth';
import { DEV_KMS_KEY_ARN, DEV_KMS_KEY_MATERIAL } from '../../testkit/aws/dev-key';
import { sealDataKey } from '../../testkit/aws/kms-endpoint';
import { encryptionContextFor } from '../../lambda/core/shared/resource';
import { BUILT_IN_RULE_IDS } from '../../lambda/core/alerts/alert-rules';
import { settingsEnvironment } from '../../lambda/settings/definitions';

/** One benchmark workload: what the batch holds. */
export interface WorkloadSpec {
  readonly name: string;
  readonly description: string;
  readonly engine: Engine;
  readonly eventsPerRecord: number;
  /** Share of heartbeats among the events. @default 0 */
  readonly heartbeatShare?: number;
  /** Data keys in the batch, each used by a contiguous run of records as RDS rotates them. @default 1 */
  readonly dataKeys?: number;
  /**
   * The built-in alert rules on, and the share of events that raise one alert each (issue 21: about 1 %
   * for a realistic batch, 20 % for an alert storm, which reaches the 1,000-alerts-a-batch cap).
   * @default - alert rules off
   */
  readonly alertShare?: number;
}

/** The alert shares of issue 21's workloads. */
export const REALISTIC_ALERT_SHARE = 0.01;
export const STORM_ALERT_SHARE = 0.2;

/** The three workloads issue 21 measures with alerts on, and what each variant is called. */
const ALERT_BASES = [
  { name: 'pg-10', description: 'Aurora PostgreSQL, unsigned suite, 10 events/record', engine: 'aurora-postgresql', eventsPerRecord: 10 },
  { name: 'mysql-10', description: 'Aurora MySQL, signed suite (ECDSA P-384), 10 events/record', engine: 'aurora-mysql', eventsPerRecord: 10 },
  { name: 'pg-1', description: 'Aurora PostgreSQL, unsigned suite, 1 event/record', engine: 'aurora-postgresql', eventsPerRecord: 1 },
] as const;

/** The workloads of issue 5 (alert rules off), then issue 21's with alerts on. */
export const WORKLOADS: readonly WorkloadSpec[] = [
  { name: 'pg-1', description: 'Aurora PostgreSQL, unsigned suite, 1 event/record, alerts off', engine: 'aurora-postgresql', eventsPerRecord: 1 },
  { name: 'pg-10', description: 'Aurora PostgreSQL, unsigned suite, 10 events/record, alerts off', engine: 'aurora-postgresql', eventsPerRecord: 10 },
  { name: 'mysql-10', description: 'Aurora MySQL, signed suite (ECDSA P-384), 10 events/record, alerts off', engine: 'aurora-mysql', eventsPerRecord: 10 },
  {
    name: 'heartbeat',
    description: 'Aurora PostgreSQL, 10 events/record, 90% heartbeats (about a third of records only heartbeats)',
    engine: 'aurora-postgresql',
    eventsPerRecord: 10,
    heartbeatShare: 0.9,
  },
  { name: 'multi-key', description: 'Aurora PostgreSQL, 10 events/record, 3 data keys in the batch, alerts off', engine: 'aurora-postgresql', eventsPerRecord: 10, dataKeys: 3 },
  ...ALERT_BASES.flatMap((base): WorkloadSpec[] => [
    { ...base, name: `${base.name}-alerts`, description: `${base.description}, alerts on: 1 % of events raise one`, alertShare: REALISTIC_ALERT_SHARE },
    { ...base, name: `${base.name}-storm`, description: `${base.description}, alert storm: 20 % of events raise one (cap reached)`, alertShare: STORM_ALERT_SHARE },
  ]),
];

/** Every built-in rule, turned off for the workloads without alerts (the rules are on by default). */
const ALL_BUILT_IN_RULES_OFF = settingsEnvironment({ alertsDisabled: [...BUILT_IN_RULE_IDS] });

/** What the transformer's environment adds for a workload: its alert rules on or off. */
export function workloadEnvironment(spec: WorkloadSpec): Record<string, string> {
  return spec.alertShare === undefined ? ALL_BUILT_IN_RULES_OFF : {};
}

/** One minted record: its envelope parts (so its key blob can be re-sealed) and what it holds. */
export interface MintedRecord {
  readonly version: string;
  /** base64 Encryption SDK message. */
  readonly databaseActivityEvents: string;
  readonly keyIndex: number;
  readonly events: readonly Record<string, unknown>[];
}

export interface Workload {
  readonly spec: WorkloadSpec;
  readonly resourceId: string;
  readonly keys: readonly MintKey[];
  readonly records: readonly MintedRecord[];
  /** Kinesis payload bytes (what Firehose's processor buffer size counts). */
  readonly inputBytes: number;
  readonly events: number;
  readonly keptEvents: number;
  readonly heartbeats: number;
  /** Records that hold only heartbeats: Firehose gets `Dropped` for them. */
  readonly heartbeatOnlyRecords: number;
  /**
   * What the targets say the transformer must spend, worked out here from the plaintext: KMS
   * calls, event objects (one per group), and one outbox object when any alert is raised.
   */
  readonly expected: { readonly kmsCalls: number; readonly s3Puts: number; readonly alertPuts: number };
}

/** The 37 ms event spacing of syntheticEvents; batches start 20 s before the hour so they span two hours. */
const EVENT_SPACING_MS = 37;
const BATCH_START = Date.UTC(2026, 10, 21, 11, 59, 40);

/**
 * Mints records for a workload until their Kinesis payloads reach `inputBytes`, the way RDS would
 * send them: each record its own gzip + Encryption SDK message, data keys rotating in runs.
 */
export async function buildWorkload(spec: WorkloadSpec, inputBytes: number): Promise<Workload> {
  const profile = PROFILES[spec.engine];
  const keyCount = spec.dataKeys ?? 1;
  const keys = Array.from({ length: keyCount }, () => mintKey(profile.resourceId));
  // Mint with the first key to learn the record size, then size the key runs to the batch.
  const records: MintedRecord[] = [];
  let bytes = 0;
  let estimatedRecords = Number.POSITIVE_INFINITY;
  for (let index = 0; bytes < inputBytes; index++) {
    const keyIndex = Number.isFinite(estimatedRecords) ? Math.min(keyCount - 1, Math.floor((index * keyCount) / estimatedRecords)) : 0;
    const events = recordEvents(spec, index);
    const payload = await mintDasRecord({ engine: spec.engine, events, key: keys[keyIndex] as MintKey });
    const envelope = JSON.parse(payload) as { version: string; databaseActivityEvents: string };
    records.push({ version: envelope.version, databaseActivityEvents: envelope.databaseActivityEvents, keyIndex, events });
    bytes += Buffer.byteLength(payload);
    if (index === 0) estimatedRecords = Math.ceil(inputBytes / Buffer.byteLength(payload));
  }
  const all = records.flatMap((record) => record.events);
  const kept = all.filter((event) => event.type !== 'heartbeat');
  return {
    spec,
    resourceId: profile.resourceId,
    keys,
    records,
    inputBytes: bytes,
    events: all.length,
    keptEvents: kept.length,
    heartbeats: all.length - kept.length,
    heartbeatOnlyRecords: records.filter((record) => record.events.every((event) => event.type === 'heartbeat')).length,
    expected: {
      kmsCalls: new Set(records.map((record) => record.keyIndex)).size,
      s3Puts: new Set(kept.map(groupOf)).size,
      alertPuts: spec.alertShare !== undefined && spec.alertShare > 0 ? 1 : 0,
    },
  };
}

/**
 * The events of the workload's `index`-th record (from 0): deterministic, spaced 37 ms apart across
 * records, and with `alertShare` set, that share of the events spread evenly over the whole batch.
 */
export function recordEvents(spec: WorkloadSpec, index: number): Record<string, unknown>[] {
  return syntheticEvents(spec.engine, spec.eventsPerRecord, {
    seed: index + 1,
    start: BATCH_START + index * spec.eventsPerRecord * EVENT_SPACING_MS,
    heartbeatShare: spec.heartbeatShare ?? 0,
    ...(spec.alertShare !== undefined ? { sensitiveShare: spec.alertShare, firstIndex: index * spec.eventsPerRecord } : {}),
  });
}

/**
 * The Firehose event for one measured run. Every run gets freshly sealed key blobs for the same data
 * keys (the KMS stand-in seals with a random IV), so a warm handler's key cache misses exactly as it
 * would when RDS moves to new data keys, and each run pays its KMS round trips.
 */
export function firehoseBatch(workload: Workload, batch: number): FirehoseTransformationEvent {
  const context = encryptionContextFor(workload.resourceId);
  const blobs = workload.keys.map((key) =>
    sealDataKey(DEV_KMS_KEY_ARN, DEV_KMS_KEY_MATERIAL, Buffer.from(key.plaintext), context).toString('base64'),
  );
  return firehoseEvent({
    resourceId: workload.resourceId,
    batch,
    records: workload.records.map((record) => envelopeJson(record.version, record.databaseActivityEvents, blobs[record.keyIndex] as string)),
  });
}

function mintKey(resourceId: string): MintKey {
  const plaintext = randomBytes(32);
  return {
    plaintext,
    blob: sealDataKey(DEV_KMS_KEY_ARN, DEV_KMS_KEY_MATERIAL, Buffer.from(plaintext), encryptionContextFor(resourceId)).toString('base64'),
  };
}

/**
 * The (command, date, hour) group of a kept event, written from issue 2's rules independently of
 * lambda/core/shared/partition.ts, so the PUT count is checked against the spec rather than against itself.
 */
export function groupOf(event: Record<string, unknown>): string {
  const raw = typeof event.command === 'string' ? event.command : '';
  const command = raw.toUpperCase().replace(/[^A-Z0-9]+/g, '_').replace(/^_+|_+$/g, '') || 'UNKNOWN';
  const match = /^(\d{4}-\d{2}-\d{2})[ T](\d{2})/.exec(String(event.logTime ?? ''));
  return `${command}/${match?.[1] ?? '?'}/${match?.[2] ?? '?'}`;
}
