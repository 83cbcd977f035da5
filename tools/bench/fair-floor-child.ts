/**
 * One measurement of `npm run bench -- --floor`, alone in a fresh process (forked by fair-floor.ts):
 * nothing else has run in this heap, so no handler's garbage, JIT state or caches colour the figure.
 * Reads the minted records from the file it is given, runs one mode warm for `warmup + passes` passes
 * over them, and sends the per-pass times back over IPC.
 */
import { createDecipheriv, createHmac, createPublicKey, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { gunzipSync } from 'node:zlib';
import { EncryptionSdkDecrypter } from '../../lambda/adapters/encryption-sdk-decrypter';
import { RdsProfileDecrypter } from '../../lambda/adapters/rds-profile-decrypter';
import { loadConfig } from '../../lambda/config';
import type { DataKey, PayloadDecrypter, StoredObject } from '../../lambda/core/transform/ports';
import { readRdsMessageLayout, SUITE_HKDF_SHA256, type RdsMessageLayout } from '../../lambda/core/transform/rds-message-layout';
import { transformBatch } from '../../lambda/core/transform/transform-batch';
import { envelopeJson, firehoseEvent } from '../../testkit/das/das-synth';
import type { FloorMode, FloorPass, FloorWorkloadFile } from './fair-floor';
import { sdkFloorPass } from './floor';
import { workloadEnvironment, WORKLOADS } from './workloads';

const [file, mode, warmupText, passesText] = process.argv.slice(2) as [string, FloorMode, string, string];
const data = JSON.parse(readFileSync(file, 'utf8')) as FloorWorkloadFile;
const messages = data.records.map((record) => Buffer.from(record.databaseActivityEvents, 'base64'));
const dataKeys: DataKey[] = data.keys.map((hex, index) => ({ id: `k${index}`, plaintext: new Uint8Array(Buffer.from(hex, 'hex')) }));
const keyOf = (index: number): DataKey => dataKeys[(data.records[index] as { keyIndex: number }).keyIndex] as DataKey;

const gunzipParse = (plaintext: Buffer): number =>
  (JSON.parse(gunzipSync(plaintext).toString('utf8')) as { databaseActivityEventList: unknown[] }).databaseActivityEventList.length;

/** One pass over every record; resolves to the events read, so nothing is optimized away. */
type Pass = () => Promise<number>;

function sdkLoop(parse: boolean): Pass {
  return sdkFloorPass(messages, dataKeys.map((key) => key.plaintext), (index) => (data.records[index] as { keyIndex: number }).keyIndex, parse);
}

function fastPath(parse: boolean): Pass {
  const decrypter = new RdsProfileDecrypter();
  return async () => {
    let events = 0;
    for (let index = 0; index < messages.length; index++) {
      const plaintext = decrypter.open(messages[index] as Buffer, keyOf(index));
      if (!plaintext) throw new Error(`record ${index} is not the RDS profile: the floor would measure the SDK`);
      events += parse ? gunzipParse(plaintext) : plaintext.length;
    }
    return events;
  };
}

/**
 * The bare primitives a correct decoder cannot skip, with the message layout read before the clock
 * starts: unwrap the data key, HKDF, the header tag, every frame, the ECDSA verify (signed suite), then
 * gunzip and JSON.parse.
 */
function primitives(): Pass {
  const layouts = messages.map((message) => readRdsMessageLayout(message, 10 * 1024 * 1024) as RdsMessageLayout);
  const gcm = (key: Uint8Array, iv: Uint8Array, aad: Uint8Array, tag: Uint8Array, ciphertext: Uint8Array): Buffer => {
    const decipher = createDecipheriv('aes-256-gcm', key, iv).setAAD(aad).setAuthTag(tag);
    const out = decipher.update(ciphertext);
    decipher.final();
    return out;
  };
  const spkiPrefix = Buffer.from('3046301006072a8648ce3d020106052b81040022033200', 'hex');
  const frameAad = Buffer.alloc(16 + 34 + 12);
  const zeroSalt256 = Buffer.alloc(32);
  const zeroSalt384 = Buffer.alloc(48);
  const firstBlock = Buffer.from([1]);
  return async () => {
    let events = 0;
    for (let index = 0; index < messages.length; index++) {
      const message = messages[index] as Buffer;
      const layout = layouts[index] as RdsMessageLayout;
      if (layout.signer) {
        const key = createPublicKey({ key: Buffer.concat([spkiPrefix, layout.signer.publicKey]), format: 'der', type: 'spki' });
        if (!verify('sha384', message.subarray(0, layout.bodyEnd), key, layout.signer.signature)) throw new Error('bad signature');
      }
      const wrapped = layout.wrappedKey;
      const dataKey = gcm(keyOf(index).plaintext, wrapped.iv, layout.keyringAad, wrapped.tag, wrapped.ciphertext);
      // HKDF as its two HMACs (extract with the all-zero salt, one expand block): the cheapest form.
      const hash = layout.suiteId === SUITE_HKDF_SHA256 ? 'sha256' : 'sha384';
      const prk = createHmac(hash, hash === 'sha256' ? zeroSalt256 : zeroSalt384).update(dataKey).digest();
      const derived = createHmac(hash, prk).update(Buffer.from([layout.suiteId >> 8, layout.suiteId & 0xff])).update(layout.messageId).update(firstBlock).digest().subarray(0, 32);
      gcm(derived, layout.headerIv, message.subarray(0, layout.headerLength), layout.headerTag, Buffer.alloc(0));
      const parts: Buffer[] = [];
      for (const frame of layout.frames) {
        frameAad.set(layout.messageId, 0);
        const label = frame.final ? 'AWSKMSEncryptionClient Final Frame' : 'AWSKMSEncryptionClient Frame';
        let pos = 16 + frameAad.write(label, 16, 'latin1');
        pos = frameAad.writeUInt32BE(frame.sequenceNumber, pos);
        pos = frameAad.writeUInt32BE(0, pos);
        pos = frameAad.writeUInt32BE(frame.length, pos);
        parts.push(gcm(derived, frame.iv, frameAad.subarray(0, pos), frame.tag, message.subarray(frame.start, frame.start + frame.length)));
      }
      events += gunzipParse(parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts));
    }
    return events;
  };
}

/**
 * The shipped core (`transformBatch`) over one batch of every record, with the decrypter the setting
 * picks and no I/O: data keys are handed over, and objects are built (gzipped) but not sent. What is
 * left per record besides decryption: envelopes, gunzip, event cutting, partitioning, the answer's gzip.
 */
function transform(decrypter: PayloadDecrypter): Pass {
  const blobs = dataKeys.map((_, index) => Buffer.from(`bench-key-${index}`).toString('base64'));
  const byBlob = new Map(blobs.map((blob, index) => [blob, dataKeys[index] as DataKey]));
  // The workload's alert rules, as the bench's handler gets them; alerts off for workloads without.
  const spec = WORKLOADS.find((candidate) => candidate.name === data.name);
  const settings = loadConfig({ BUCKET_NAME: 'bench', ...(spec ? workloadEnvironment(spec) : {}) });
  let batch = 0;
  return async () => {
    const event = firehoseEvent({
      resourceId: data.resourceId,
      batch: batch++,
      records: data.records.map((record) => envelopeJson(record.version, record.databaseActivityEvents, blobs[record.keyIndex] as string)),
    });
    const outcome = await transformBatch(event, {
      settings,
      decrypter,
      dataKeys: { dataKey: async (blob) => ({ key: byBlob.get(blob) as DataKey }) },
      store: {
        putAll: async (builders: ReadonlyArray<() => Promise<StoredObject>>) => Promise.all(builders.map((build) => build())),
        removeAll: async () => [],
      },
      journal: { write: async () => undefined },
      // The outbox object is built (serialized) as the shipped one is, but not sent.
      alerts: { put: async () => undefined },
    });
    if (outcome.summary.failed > 0) throw new Error(`${outcome.summary.failed} records failed: ${outcome.summary.failures[0]?.reason}`);
    return outcome.summary.events;
  };
}

const passes: Record<FloorMode, () => Pass> = {
  'sdk-decrypt': () => sdkLoop(false),
  'sdk-floor': () => sdkLoop(true),
  'primitives-floor': () => primitives(),
  'fast-path-decrypt': () => fastPath(false),
  'fast-path-floor': () => fastPath(true),
  'transform-fast-path': () => transform(new RdsProfileDecrypter()),
  'transform-sdk': () => transform(new EncryptionSdkDecrypter()),
};

async function main(): Promise<void> {
  const pass = passes[mode]();
  const results: FloorPass[] = [];
  const total = Number(warmupText) + Number(passesText);
  for (let index = 0; index < total; index++) {
    const cpuBefore = process.cpuUsage();
    const start = performance.now();
    const events = await pass();
    const wallMs = performance.now() - start;
    const cpu = process.cpuUsage(cpuBefore);
    results.push({ warm: index >= Number(warmupText), wallMs, cpuMs: (cpu.user + cpu.system) / 1000, events });
  }
  // Disconnect once the message is out, so that the process ends by itself.
  (process.send as (message: unknown, callback: () => void) => void)({ records: messages.length, passes: results }, () => process.disconnect());
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
