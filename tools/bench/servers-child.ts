/**
 * The local KMS endpoint and S3 server (behind the latency proxy), run in their own process so that
 * their work (s3rver hashing and writing every object, the KMS stand-in) neither shares the
 * benchmark's event loop nor counts in its CPU time, as regional services would not.
 * Driven over IPC by {@link BenchServers}.
 */
import { LocalAws } from '../../testkit/aws/local-aws';
import { FaultProxy } from '../../testkit/aws/fault-proxy';
import type { ServerReply, ServerRequest } from './servers';

async function main(): Promise<void> {
  const kmsLatencyMs = Number(process.env.BENCH_KMS_LATENCY_MS ?? 0);
  const s3LatencyMs = Number(process.env.BENCH_S3_LATENCY_MS ?? 0);
  const local = await LocalAws.start({ latencyMs: kmsLatencyMs });
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
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`bench servers failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
