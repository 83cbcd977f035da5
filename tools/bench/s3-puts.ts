/**
 * What a batch's PUTs cost on the bench's own S3 server, apart from the transformer: one PUT alone, then
 * `count` PUTs at once (a batch's event objects), through the bench's servers (s3rver behind the latency
 * proxy, in their own process, as `npm run bench` starts them), sent by the function's own event store
 * (`S3EventStore`, the same headers and abort signal) on an S3 client built as the function builds it
 * (`s3ClientFor`). Prints medians: the wall time of each, and the CPU per PUT of this process
 * (the SDK's work, which the transformer pays too) and of the server process (which Amazon S3 would
 * pay on its own machines). The bodies are gzip NDJSON of about the size of a `pg-10-alerts` event object (9 KB).
 *
 *   npx tsx tools/bench/s3-puts.ts [count=23] [rounds=40] [--s3-latency-ms 25]
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { S3EventStore } from '../../lambda/adapters/s3-event-store';
import { s3ClientFor } from '../../lambda/clients';
import { BenchServers } from './servers';
import { median } from './stats';

const WARMUP_ROUNDS = 5;

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ options: { 's3-latency-ms': { type: 'string', default: '25' } }, allowPositionals: true });
  const latencyMs = Number(values['s3-latency-ms']);
  const count = Number(positionals[0] ?? 23);
  const rounds = Number(positionals[1] ?? 40);
  for (const [name, value, least] of [['count', count, 1], ['rounds', rounds, 1], ['--s3-latency-ms', latencyMs, 0]] as const) {
    if (!Number.isInteger(value) || value < least) throw new Error(`${name} must be a whole number from ${least}, e.g. 23 (got ${value})`);
  }

  const servers = await BenchServers.start({ kmsMs: 0, s3Ms: latencyMs });
  try {
    // The SDK's standard settings (endpoint, region, credentials), read from the environment as in the function.
    Object.assign(process.env, servers.env);
    const s3 = s3ClientFor(servers.env, { connectionMs: 3_000, requestMs: 15_000 });
    const bucket = servers.env.BUCKET_NAME as string;
    const lines = Array.from({ length: 130 }, (_, index) => JSON.stringify({ index, logTime: '2026-12-02 10:00:00.000+00', commandText: randomBytes(60).toString('hex') }));
    const body = gzipSync(Buffer.from(lines.join('\n') + '\n'));
    // Every PUT of the function carries the batch's deadline signal, which also keeps the SDK from caching
    // its middleware per command: sent through the function's store with one here, so the client's CPU is the function's.
    const store = new S3EventStore(s3, bucket);
    const abort = new AbortController();
    const putAll = (keys: string[]): Promise<unknown> =>
      store.putAll(keys.map((key) => () => Promise.resolve({ key, body, eventCount: lines.length })), abort.signal);

    const single: number[] = [];
    const together: number[] = [];
    const clientCpu: number[] = [];
    const serverCpu: number[] = [];
    for (let round = 0; round < WARMUP_ROUNDS + rounds; round++) {
      let started = performance.now();
      await putAll([`probe/one/${round}.jsonl.gz`]);
      const one = performance.now() - started;
      const serverBefore = (await servers.counts()).cpuMs;
      const cpu = process.cpuUsage();
      started = performance.now();
      await putAll(Array.from({ length: count }, (_, index) => `probe/command=C${index}/round=${round}.jsonl.gz`));
      const all = performance.now() - started;
      const used = process.cpuUsage(cpu);
      const serverUsed = (await servers.counts()).cpuMs - serverBefore;
      if (round < WARMUP_ROUNDS) continue;
      single.push(one);
      together.push(all);
      clientCpu.push((used.user + used.system) / 1000 / count);
      serverCpu.push(serverUsed / count);
    }
    s3.destroy();
    const ms = (values: number[]): string => median(values).toFixed(1);
    const perPut = (values: number[]): string => median(values).toFixed(2);
    process.stdout.write(
      `s3rver (${servers.s3Storage}) behind a ${latencyMs} ms proxy, ${body.length}-byte bodies, medians of ${rounds} rounds:\n` +
        `  one PUT alone: ${ms(single)} ms\n` +
        `  ${count} PUTs at once: ${ms(together)} ms\n` +
        `  CPU per PUT: client (the SDK) ${perPut(clientCpu)} ms, server process ${perPut(serverCpu)} ms\n`,
    );
  } finally {
    await servers.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`s3-puts: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
