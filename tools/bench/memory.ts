import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { FirehoseTransformationEvent } from 'aws-lambda';
import { DEFAULT_MAX_EVENTS_PER_RECORD, defaultRecordCap } from '../../lambda/config';
import { syntheticEvents } from '../../testkit/das/activity-events';
import { bundledAsset, literalEnvironment } from '../../testkit/bundled-asset';
import { envelopeJson, firehoseEvent, PROFILES, sealPayload, streamArnFor, UNSIGNED_SUITE } from '../../testkit/das/das-synth';
import { DEV_KMS_KEY_ARN } from '../../testkit/aws/dev-key';
import { LocalAws } from '../../testkit/aws/local-aws';
import { localHandlerEnv } from '../../testkit/aws/local-env';

/**
 * Peak memory of the transformer on the worst batches one can build within Firehose's limits (a
 * request of at most 6 MB, records of at most 1 MiB), each run by the asset `cdk synth` bundles in a
 * fresh Node process of its own with the heap limit Lambda's Node runtime sets (90% of the function's
 * memory), against the local KMS endpoint and S3 server of the parent process.
 */

export interface MemoryCase {
  readonly name: string;
  readonly about: string;
  /** Builds the batch; `target` is the decompressed size of each record, just under the per-record cap. */
  readonly build: (aws: LocalAws, target: number) => Promise<FirehoseTransformationEvent>;
}

export interface MemoryResult {
  readonly name: string;
  readonly about: string;
  readonly requestBytes: number;
  readonly records: number;
  readonly answers: Record<string, number>;
  readonly peakRssBytes: number;
  readonly seconds: number;
  /** Set when the child died instead of answering (out of memory, for one). */
  readonly error?: string;
}

const PG = PROFILES['aurora-postgresql'];
const REQUEST_CAP = 6 * 1024 * 1024;

/** As many copies of one sealed payload (each encrypted on its own) as fit in a 6 MB request. */
async function fill(aws: LocalAws, gzipped: Buffer): Promise<FirehoseTransformationEvent> {
  const key = aws.dataKey(PG.resourceId);
  const records: string[] = [];
  let bytes = 1024;
  for (;;) {
    const message = await sealPayload(gzipped, key, UNSIGNED_SUITE, 4096);
    const record = envelopeJson(PG.version, message.toString('base64'), key.blob);
    const size = Math.ceil((record.length * 4) / 3) + 400;
    if (bytes + size > REQUEST_CAP) break;
    bytes += size;
    records.push(record);
  }
  return firehoseEvent({ resourceId: PG.resourceId, records });
}

function payload(list: string): Buffer {
  return gzipSync(`{"type":"DatabaseActivityMonitoringRecord","clusterId":"${PG.clusterId}","instanceId":"${PG.instanceId}","databaseActivityEventList":[${list}]}`, { level: 9 });
}

export const MEMORY_CASES: readonly MemoryCase[] = [
  {
    name: 'tiny-events bombs',
    about: 'every record a little gzip expanding to just under the per-record cap of `{},` (millions of empty events)',
    build: (aws, target) => fill(aws, payload(`${'{},'.repeat(Math.floor(target / 3) - 1)}{}`)),
  },
  {
    name: 'one-event bombs',
    about: 'every record a little gzip expanding to one event of SQL text just under the per-record cap (kept, one-byte string)',
    build: (aws, target) => fill(aws, payload(`{"type":"record","command":"SELECT","logTime":"2026-11-21 12:00:00+00","commandText":"${'x'.repeat(target - 300)}"}`)),
  },
  {
    name: 'one-event bombs, two-byte text',
    about: 'the same with one character outside Latin-1, so every string is stored two bytes a character',
    build: (aws, target) =>
      fill(aws, payload(`{"type":"record","command":"SELECT","logTime":"2026-11-21 12:00:00+00","commandText":"€${'x'.repeat(target - 302)}"}`)),
  },
  {
    name: 'line-break bombs',
    about: 'every record one event just under the per-record cap of `1 ,` and raw line breaks, so its text is compacted before it is stored',
    build: (aws, target) => fill(aws, payload(`{"type":"record","command":"SELECT","a":[${'1 ,\n'.repeat(Math.floor((target - 100) / 4) - 1)}1]}`)),
  },
  {
    name: 'tiny kept events',
    about: 'every record 100,000 empty events (the event cap), each kept and given the cluster and instance IDs: ~300 KB of text, ~13 MB of lines',
    build: (aws) => fill(aws, payload(`${'{},'.repeat(DEFAULT_MAX_EVENTS_PER_RECORD - 1)}{}`)),
  },
  {
    name: 'event-cap records',
    about: 'every record as many small real-looking events (~600 bytes) as the event cap and the per-record cap allow, all kept',
    build: async (aws, target) => {
      const events = syntheticEvents('aurora-postgresql', 100, { seed: 3 }).map((event) => JSON.stringify({ ...event, commandText: 'select 1' }));
      const average = events.reduce((sum, event) => sum + event.length + 1, 0) / events.length;
      const count = Math.min(DEFAULT_MAX_EVENTS_PER_RECORD, Math.floor((target - 300) / average));
      const list = Array.from({ length: count }, (_, index) => events[index % events.length]).join(',');
      return fill(aws, payload(list));
    },
  },
  {
    name: 'alert bombs',
    about: 'every record as many failed logins (~500 bytes each) as the caps allow, all kept, every one matching an alert rule',
    build: async (aws, target) => {
      const base = syntheticEvents('aurora-postgresql', 1, { seed: 3 })[0] as Record<string, unknown>;
      const event = JSON.stringify({ ...base, command: 'AUTH FAILURE', class: 'MISC', commandText: null });
      const count = Math.min(DEFAULT_MAX_EVENTS_PER_RECORD, Math.floor((target - 300) / (event.length + 1)));
      return fill(aws, payload(Array.from({ length: count }, () => event).join(',')));
    },
  },
];

const CHILD = `
const { readFileSync } = require('node:fs');
const { handler } = require(process.env.DAS_ASSET_INDEX);
const event = JSON.parse(readFileSync(process.env.DAS_EVENT_FILE, 'utf8'));
const started = Date.now();
handler(event, { getRemainingTimeInMillis: () => 120000 }).then(
  (result) => {
    const answers = {};
    for (const record of result.records) answers[record.result] = (answers[record.result] || 0) + 1;
    process.send({ answers, seconds: (Date.now() - started) / 1000, peakRssBytes: process.resourceUsage().maxRSS * 1024 });
  },
  (error) => process.send({ error: String(error && error.message), seconds: (Date.now() - started) / 1000, peakRssBytes: process.resourceUsage().maxRSS * 1024 }),
);
`;

/** Runs each case in a fresh process with the function's heap limit; `progress` hears of each. */
export async function measureMemory(functionMemoryMb: number, progress: (line: string) => void): Promise<MemoryResult[]> {
  const aws = await LocalAws.start();
  const asset = bundledAsset({ dasStreamArn: streamArnFor(PG.resourceId), kmsKeyArn: DEV_KMS_KEY_ARN });
  const dir = await mkdtemp(join(tmpdir(), 'das-firehose-memory-'));
  const results: MemoryResult[] = [];
  try {
    for (const memoryCase of MEMORY_CASES) {
      progress(`${memoryCase.name}: building the batch…`);
      const target = defaultRecordCap({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(functionMemoryMb) }) - 4096;
      const event = await memoryCase.build(aws, target);
      const file = join(dir, 'event.json');
      const text = JSON.stringify(event);
      await writeFile(file, text);
      progress(`${memoryCase.name}: ${event.records.length} records, ${(text.length / 1048576).toFixed(1)} MiB; running`);
      const env = {
        ...process.env,
        ...literalEnvironment(asset.environment),
        ...Object.fromEntries(Object.entries(localHandlerEnv(aws.env)).filter(([, value]) => value !== undefined)),
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(functionMemoryMb),
        POWERTOOLS_LOG_LEVEL: 'ERROR',
        DAS_ASSET_INDEX: join(asset.directory, 'index.js'),
        DAS_EVENT_FILE: file,
      } as NodeJS.ProcessEnv;
      const outcome = await runChild(env, Math.floor(functionMemoryMb * 0.9));
      results.push({
        name: memoryCase.name,
        about: memoryCase.about,
        requestBytes: text.length,
        records: event.records.length,
        answers: outcome.answers ?? {},
        peakRssBytes: outcome.peakRssBytes ?? 0,
        seconds: outcome.seconds ?? 0,
        ...(outcome.error ? { error: outcome.error } : {}),
      });
    }
  } finally {
    await aws.stop();
    asset.dispose();
    await rm(dir, { recursive: true, force: true });
  }
  return results;
}

interface ChildOutcome {
  answers?: Record<string, number>;
  seconds?: number;
  peakRssBytes?: number;
  error?: string;
}

function runChild(env: NodeJS.ProcessEnv, heapMb: number): Promise<ChildOutcome> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [`--max-old-space-size=${heapMb}`, '-e', CHILD], { env, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    let outcome: ChildOutcome | undefined;
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
    child.on('message', (message: ChildOutcome) => {
      outcome = message;
      child.kill();
    });
    child.on('exit', (code, signal) => {
      resolve(outcome ?? { error: `the process died (${signal ?? `exit ${code}`}): ${stderr.split('\n').filter(Boolean).slice(-2).join(' ')}` });
    });
  });
}
