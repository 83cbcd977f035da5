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
 * The floor of issue 5: the work no correct implementation can skip, done as cheaply as the libraries
 * allow and in sequence. Everything that is not that work is prepared before the clock starts: the
 * Encryption SDK messages are already base64-decoded and the raw AES keyrings already built (one per
 * data key), so the floor is if anything lower than a real implementation could reach.
 */
export class Floor {
  private readonly client = buildClient({
    commitmentPolicy: CommitmentPolicy.REQUIRE_ENCRYPT_ALLOW_DECRYPT,
    maxEncryptedDataKeys: 1,
  });
  private readonly messages: Buffer[];
  private readonly keyrings: RawAesKeyringNode[];
  private body: Buffer = Buffer.alloc(0);

  constructor(
    private readonly workload: Workload,
    private readonly kms: KMSClient,
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {
    this.messages = workload.records.map((record) => Buffer.from(record.databaseActivityEvents, 'base64'));
    this.keyrings = workload.keys.map(
      (key) =>
        new RawAesKeyringNode({
          keyNamespace: DAS_KEY_NAMESPACE,
          keyName: DAS_KEY_NAME,
          unencryptedMasterKey: new Uint8Array(key.plaintext),
          wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
        }),
    );
  }

  /** The one PUT of the floor carries this many (incompressible) bytes: what the transformer stored. */
  setPutBytes(bytes: number): void {
    this.body = randomBytes(Math.max(1, bytes));
  }

  async measure(): Promise<FloorSample> {
    const records = this.workload.records;
    const cpuBefore = process.cpuUsage();
    const start = performance.now();
    let events = 0;
    for (let index = 0; index < records.length; index++) {
      const keyring = this.keyrings[(records[index] as (typeof records)[number]).keyIndex] as RawAesKeyringNode;
      const { plaintext } = await this.client.decrypt(keyring, this.messages[index] as Buffer);
      const activity = JSON.parse(gunzipSync(plaintext).toString('utf8')) as { databaseActivityEventList: unknown[] };
      events += activity.databaseActivityEventList.length;
    }
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
