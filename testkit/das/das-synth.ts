import { gzipSync } from 'node:zlib';
import {
  AlgorithmSuiteIdentifier,
  buildClient,
  CommitmentPolicy,
  RawAesKeyringNode,
  RawAesWrappingSuiteIdentifier,
} from '@aws-crypto/client-node';
import type { FirehoseTransformationEvent } from 'aws-lambda';
import { DAS_KEY_NAME, DAS_KEY_NAMESPACE } from '../../lambda/adapters/encryption-sdk-decrypter';
import { encryptionContextFor } from '../../lambda/core/shared/resource';

/**
 * Mints Database Activity Stream records the way RDS does (see shared DAS-NOTES and the header test
 * against real records): JSON envelope → AWS Encryption SDK message (raw AES keyring BC/DataKey, the
 * engine's suite and frame length, no encryption context) → gzip of the activity JSON inside, and a
 * KMS blob of the data key bound to the resource's encryption context.
 */

export type Engine = 'aurora-postgresql' | 'aurora-mysql' | 'rds-oracle' | 'rds-sqlserver';
export const ENGINES: readonly Engine[] = ['aurora-postgresql', 'aurora-mysql', 'rds-oracle', 'rds-sqlserver'];

export const UNSIGNED_SUITE = AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA256; // 0x0178
export const SIGNED_SUITE = AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384; // 0x0378

export interface EngineProfile {
  readonly version: string;
  readonly suite: AlgorithmSuiteIdentifier;
  readonly frameLength: number;
  /** The stream's resource: `cluster-…` for Aurora, `db-…` for RDS instances. */
  readonly resourceId: string;
  readonly clusterId?: string;
  readonly instanceId: string;
}

/**
 * Aurora PostgreSQL and MySQL suites and frame lengths are read off real records. Oracle's and SQL
 * Server's are not confirmed: Oracle is minted unsigned and SQL Server signed, so both suites are
 * exercised for instance-level (`aws:rds:db-id`) resources too.
 */
export const PROFILES: Readonly<Record<Engine, EngineProfile>> = {
  'aurora-postgresql': {
    version: '1.1',
    suite: UNSIGNED_SUITE,
    frameLength: 4096,
    resourceId: 'cluster-4HNY5V4RRNPKKYB7ICFKE5JBQQ',
    clusterId: 'cluster-4HNY5V4RRNPKKYB7ICFKE5JBQQ',
    instanceId: 'db-FZJTMYKCXQBUUZ6VLU7NW3ITCM',
  },
  'aurora-mysql': {
    version: '1.2',
    suite: SIGNED_SUITE,
    frameLength: 262144,
    resourceId: 'cluster-LFLK7QA4UVZ2UARHJWKULMWYNQ',
    clusterId: 'cluster-LFLK7QA4UVZ2UARHJWKULMWYNQ',
    instanceId: 'db-2Y3JIITE3NCVNI6YIQN5LIA564',
  },
  'rds-oracle': {
    version: '1.3',
    suite: UNSIGNED_SUITE,
    frameLength: 4096,
    resourceId: 'db-ORACLE7QYJ3KXZD5M2HNPW4A',
    instanceId: 'db-ORACLE7QYJ3KXZD5M2HNPW4A',
  },
  'rds-sqlserver': {
    version: '1.3',
    suite: SIGNED_SUITE,
    frameLength: 262144,
    resourceId: 'db-SQLSRV2B6T4KQWJ7XNC3LRFE',
    instanceId: 'db-SQLSRV2B6T4KQWJ7XNC3LRFE',
  },
};

export function streamArnFor(resourceId: string, region = 'us-east-1', account = '000000000000'): string {
  return `arn:aws:kinesis:${region}:${account}:stream/aws-rds-das-${resourceId}`;
}

/** A plaintext data key and its KMS blob, as `GenerateDataKey` returns them. */
export interface MintKey {
  readonly plaintext: Uint8Array;
  /** base64 KMS ciphertext blob, bound to the resource's encryption context. */
  readonly blob: string;
}

export interface MintOptions {
  readonly engine: Engine;
  readonly events: readonly Record<string, unknown>[];
  readonly key: MintKey;
  /** @default the engine's */
  readonly suite?: AlgorithmSuiteIdentifier;
  /** @default the engine's */
  readonly frameLength?: number;
  /** @default the engine's resource */
  readonly profile?: EngineProfile;
}

const encryptClient = buildClient(CommitmentPolicy.FORBID_ENCRYPT_ALLOW_DECRYPT);

/** The activity JSON RDS gzips and encrypts: the event list plus which cluster and instance sent it. */
export function activityJson(profile: EngineProfile, events: readonly Record<string, unknown>[]): string {
  return JSON.stringify({
    type: 'DatabaseActivityMonitoringRecord',
    ...(profile.clusterId ? { clusterId: profile.clusterId } : {}),
    instanceId: profile.instanceId,
    databaseActivityEventList: events,
  });
}

/** Encrypts arbitrary bytes as a DAS `databaseActivityEvents` message (for malformed-payload cases too). */
export async function sealPayload(
  plaintext: Buffer,
  key: MintKey,
  suite: AlgorithmSuiteIdentifier,
  frameLength: number,
): Promise<Buffer> {
  const keyring = new RawAesKeyringNode({
    keyNamespace: DAS_KEY_NAMESPACE,
    keyName: DAS_KEY_NAME,
    unencryptedMasterKey: new Uint8Array(key.plaintext), // the keyring zeroes what it is given
    wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
  });
  const { result } = await encryptClient.encrypt(keyring, plaintext, { suiteId: suite, frameLength });
  return result;
}

/** The Kinesis record RDS would put: the JSON envelope as a string. */
export async function mintDasRecord(options: MintOptions): Promise<string> {
  const profile = options.profile ?? PROFILES[options.engine];
  const gzipped = gzipSync(activityJson(profile, options.events));
  const message = await sealPayload(
    gzipped,
    options.key,
    options.suite ?? profile.suite,
    options.frameLength ?? profile.frameLength,
  );
  return envelopeJson(profile.version, message.toString('base64'), options.key.blob);
}

export function envelopeJson(version: string, databaseActivityEvents: string, key: string): string {
  return JSON.stringify({ type: 'DatabaseActivityMonitoringRecords', version, databaseActivityEvents, key });
}

export { encryptionContextFor };

export interface FirehoseEventOptions {
  readonly resourceId: string;
  /** Kinesis record payloads (UTF-8 strings or raw bytes). */
  readonly records: ReadonlyArray<string | Buffer>;
  /** Arrival time of the first record; later ones arrive 10 ms apart. @default 2026-11-21T12:00:00Z */
  readonly arrival?: number;
  readonly region?: string;
  /** Distinguishes batches: record IDs embed it. @default 0 */
  readonly batch?: number;
}

/** Wraps Kinesis payloads in a Firehose data-transformation event, as Firehose does for a Kinesis source. */
export function firehoseEvent(options: FirehoseEventOptions): FirehoseTransformationEvent & {
  sourceKinesisStreamArn: string;
} {
  const region = options.region ?? 'us-east-1';
  const start = options.arrival ?? Date.UTC(2026, 10, 21, 12, 0, 0);
  const batch = options.batch ?? 0;
  return {
    invocationId: `00000000-0000-4000-8000-${String(batch).padStart(12, '0')}`,
    deliveryStreamArn: `arn:aws:firehose:${region}:000000000000:deliverystream/das-firehose-${options.resourceId}`,
    sourceKinesisStreamArn: streamArnFor(options.resourceId, region),
    region,
    records: options.records.map((payload, index) => {
      const sequence = `4962${String(batch).padStart(8, '0')}${String(index).padStart(10, '0')}`.padEnd(56, '0');
      const arrival = start + index * 10;
      return {
        recordId: `${sequence}0000000000`,
        approximateArrivalTimestamp: arrival,
        data: Buffer.from(payload).toString('base64'),
        kinesisRecordMetadata: {
          shardId: 'shardId-000000000000',
          partitionKey: options.resourceId,
          approximateArrivalTimestamp: arrival,
          sequenceNumber: sequence,
          // A number, as Firehose sends it (@types/aws-lambda says string; Powertools' schema, like Firehose, a number).
          subsequenceNumber: 0,
        },
      };
    }),
  } as unknown as FirehoseTransformationEvent & { sourceKinesisStreamArn: string };
}
