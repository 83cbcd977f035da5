import { gunzipSync } from 'node:zlib';
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import {
  buildClient,
  CommitmentPolicy,
  RawAesKeyringNode,
  RawAesWrappingSuiteIdentifier,
} from '@aws-crypto/client-node';
import { DecryptCommand, type KMSClient } from '@aws-sdk/client-kms';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DAS_KEY_NAME, DAS_KEY_NAMESPACE } from '../../lambda/adapters/encryption-sdk-decrypter';
import { encryptionContextFor } from '../../lambda/core/shared/resource';
import type { Workload } from './workloads';

/** One measurement of the floor, in milliseconds of wall time. */
export interface FloorSample {
  /** Sequential Encryption SDK decrypt + gunzip + JSON.parse of every record. */
  readonly cpuMs: number;
  /** process.cpuUsage over that loop. */
  readonly cpuUsageMs: number;
  /** One real KMS Decrypt against the local endpoint (configured latency included). */
  readonly kmsMs: number;
  /** One real PutObject, through the latency proxy, of as many bytes as the transformer stored. */
  readonly s3Ms: number;
  readonly totalMs: number;
  readonly events: number;
}

/**
 * The SDK floor, the one implementation every bench mode measures: each message decrypted with the
 * Encryption SDK (a raw AES keyring per data key, built before the clock starts), then, with `parse`,
 * gunzipped and JSON-parsed. Resolves to the events read (or plaintext bytes), so nothing is optimized away.
 */
export function sdkFloorPass(
  messages: readonly Buffer[],
  keys: readonly Uint8Array[],
  keyIndexOf: (index: number) => number,
  parse = true,
): () => Promise<number> {
  const client = buildClient({ commitmentPolicy: CommitmentPolicy.REQUIRE_ENCRYPT_ALLOW_DECRYPT, maxEncryptedDataKeys: 1 });
  const keyrings = keys.map(
    (key) =>
      new RawAesKeyringNode({
        keyNamespace: DAS_KEY_NAMESPACE,
        keyName: DAS_KEY_NAME,
        unencryptedMasterKey: new Uint8Array(key),
        wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
      }),
  );
  return async () => {
    let events = 0;
    for (let index = 0; index < messages.length; index++) {
      const { plaintext } = await client.decrypt(keyrings[keyIndexOf(index)] as RawAesKeyringNode, messages[index] as Buffer);
      events += parse
        ? (JSON.parse(gunzipSync(plaintext).toString('utf8')) as { databaseActivityEventList: unknown[] }).databaseActivityEventList.length
        : plaintext.length;
    }
    return events;
  };
}

/**
 * The floor with its network: the SDK floor's loop (`sdkFloorPass`), then one real KMS Decrypt and one
 * PutObject of as many bytes as the transformer stored, in sequence. For `profile-run`, which profiles
 * the floor beside the handler in one process; `npm run bench -- --floor` measures each side in a fresh
 * process of its own (fair-floor.ts).
 */
export class Floor {
  private readonly pass: () => Promise<number>;
  private body: Buffer = Buffer.alloc(0);

  constructor(
    private readonly workload: Workload,
    private readonly kms: KMSClient,
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {
    const messages = workload.records.map((record) => Buffer.from(record.databaseActivityEvents, 'base64'));
    this.pass = sdkFloorPass(
      messages,
      workload.keys.map((key) => key.plaintext),
      (index) => (workload.records[index] as (typeof workload.records)[number]).keyIndex,
    );
  }

  /** The one PUT of the floor carries this many (incompressible) bytes: what the transformer stored. */
  setPutBytes(bytes: number): void {
    this.body = randomBytes(Math.max(1, bytes));
  }

  async measure(): Promise<FloorSample> {
    const cpuBefore = process.cpuUsage();
    const start = performance.now();
    const events = await this.pass();
    const afterCpu = performance.now();
    const cpu = process.cpuUsage(cpuBefore);
    await this.kms.send(
      new DecryptCommand({
        CiphertextBlob: Buffer.from((this.workload.keys[0] as { blob: string }).blob, 'base64'),
        EncryptionContext: encryptionContextFor(this.workload.resourceId),
      }),
    );
    const afterKms = performance.now();
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: `bench-floor/${this.workload.spec.name}.bin`,
        Body: this.body,
        ContentType: 'application/x-ndjson',
        ContentEncoding: 'gzip',
      }),
    );
    const end = performance.now();
    return {
      cpuMs: afterCpu - start,
      cpuUsageMs: (cpu.user + cpu.system) / 1000,
      kmsMs: afterKms - afterCpu,
      s3Ms: end - afterKms,
      totalMs: end - start,
      events,
    };
  }
}
