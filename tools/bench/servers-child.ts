/**
 * The local KMS endpoint and S3 server (behind the latency proxy), run in their own process so that
 * their work (s3rver hashing and writing every object, the KMS stand-in) neither shares the
 * benchmark's event loop nor counts in its CPU time, as regional services would not.
 * Driven over IPC by {@link BenchServers}.
 */
import { access, constants, statfs } from 'node:fs/promises';
import { LocalAws } from '../../testkit/aws/local-aws';
import { FaultProxy } from '../../testkit/aws/fault-proxy';
import type { ServerReply, ServerRequest } from './servers';

async function main(): Promise<void> {
  const kmsLatencyMs = Number(process.env.BENCH_KMS_LATENCY_MS ?? 0);
  const s3LatencyMs = Number(process.env.BENCH_S3_LATENCY_MS ?? 0);
  const memory = process.env.BENCH_S3_ON_DISK === '1' ? undefined : await memoryFolder();
  const local = await LocalAws.start({ latencyMs: kmsLatencyMs, ...(memory ? { s3TemporaryParent: memory } : {}) });
  const proxy = new FaultProxy({ target: local.s3Endpoint, latencyMs: s3LatencyMs });
  await proxy.start();
  const send = (reply: ServerReply): void => void process.send?.(reply);

  process.on('message', (message: ServerRequest) => {
    void (async () => {
      switch (message.type) {
        case 'counts':
          send({ type: 'counts', id: message.id, kmsDecrypts: local.kms.calls('Decrypt'), traffic: proxy.traffic(), cpu: process.cpuUsage() });
          break;
        case 'reset':
          local.kms.resetCalls();
          proxy.resetTraffic();
          send({ type: 'reset', id: message.id });
          break;
        case 'stop':
          await proxy.stop();
          await local.stop();
          send({ type: 'stopped', id: message.id });
          process.disconnect?.();
          break;
      }
    })();
  });
  send({
    type: 'ready',
    env: { ...local.env, AWS_ENDPOINT_URL_S3: proxy.endpoint },
    s3DirectEndpoint: local.s3Endpoint,
    s3Storage: memory ? `memory (${memory})` : 'disk (the temporary folder)',
  });
}

/**
 * A memory-backed folder (tmpfs) for s3rver's objects, when the machine has one. s3rver keeps each
 * object as files (the object, its metadata, their folders), and on this machine's disk that work grew
 * from run to run: the server process used 3.2, 5.0 and 6.0 s of CPU over three `pg-10-alerts` runs on
 * disk against 2.8 to 3.2 s in memory, interleaved (docs/performance.md, "Where the local S3 server keeps
 * objects"). Amazon S3's storage costs the function nothing; here the server's CPU competes with the
 * transformer's for the same two cores, for a batch's two dozen PUTs far more than for the floors' one.
 */
async function memoryFolder(): Promise<string | undefined> {
  try {
    await access('/dev/shm', constants.W_OK);
    // A run stores a few hundred MiB of objects there; a small /dev/shm (a container's 64 MiB) would fill.
    const { bavail, bsize } = await statfs('/dev/shm');
    return bavail * bsize >= MEMORY_FOLDER_MIN_BYTES ? '/dev/shm' : undefined;
  } catch {
    return undefined;
  }
}

const MEMORY_FOLDER_MIN_BYTES = 2 * 1024 * 1024 * 1024;

main().catch((error: unknown) => {
  process.stderr.write(`bench servers failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
