import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { ProxyTraffic } from '../../testkit/aws/fault-proxy';

export type ServerRequest = { readonly id: number } & ({ type: 'counts' } | { type: 'reset' } | { type: 'stop' });

export type ServerReply =
  | { type: 'ready'; env: Record<string, string>; s3DirectEndpoint: string; s3Storage: string }
  | { type: 'counts'; id: number; kmsDecrypts: number; traffic: ProxyTraffic; cpu: NodeJS.CpuUsage }
  | { type: 'reset'; id: number }
  | { type: 'stopped'; id: number };

/** What the servers saw: KMS Decrypt requests answered, and S3 traffic through the latency proxy. */
export interface ServerCounts {
  readonly kmsDecrypts: number;
  readonly s3Puts: number;
  readonly s3PutBytes: number;
  /** CPU the server process has used (not charged to the transformer). */
  readonly cpuMs: number;
}

/**
 * The local KMS endpoint (latency built in) and s3rver behind a {@link FaultProxy}, in a child
 * process (see servers-child.ts). `env` is the SDK configuration that points clients at them.
 */
export class BenchServers {
  private nextId = 1;
  private readonly pending = new Map<number, (reply: ServerReply) => void>();

  private constructor(
    private readonly child: ChildProcess,
    readonly env: Readonly<Record<string, string>>,
    /** Where s3rver keeps objects: in memory (tmpfs) when the machine has it, else on disk. */
    readonly s3Storage: string,
  ) {
    child.on('message', (reply: ServerReply) => {
      if (reply.type === 'ready') return;
      this.pending.get(reply.id)?.(reply);
      this.pending.delete(reply.id);
    });
  }

  static async start(latency: { kmsMs: number; s3Ms: number; s3OnDisk?: boolean }): Promise<BenchServers> {
    // The parent runs under tsx, whose loader flags the fork inherits through execArgv.
    const child = fork(join(__dirname, 'servers-child.ts'), [], {
      env: {
        ...process.env,
        BENCH_KMS_LATENCY_MS: String(latency.kmsMs),
        BENCH_S3_LATENCY_MS: String(latency.s3Ms),
        BENCH_S3_ON_DISK: latency.s3OnDisk ? '1' : '0',
      },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    const ready = await new Promise<Extract<ServerReply, { type: 'ready' }>>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`bench servers exited with code ${code} before they were ready`)));
      child.on('message', (reply: ServerReply) => {
        if (reply.type === 'ready') resolve(reply);
      });
    });
    child.removeAllListeners('exit');
    return new BenchServers(child, ready.env, ready.s3Storage);
  }

  async counts(): Promise<ServerCounts> {
    const reply = await this.request({ type: 'counts' });
    if (reply.type !== 'counts') throw new Error(`unexpected reply ${reply.type}`);
    return {
      kmsDecrypts: reply.kmsDecrypts,
      s3Puts: reply.traffic.requests.PUT ?? 0,
      s3PutBytes: reply.traffic.bodyBytes.PUT ?? 0,
      cpuMs: (reply.cpu.user + reply.cpu.system) / 1000,
    };
  }

  async reset(): Promise<void> {
    await this.request({ type: 'reset' });
  }

  async stop(): Promise<void> {
    if (!this.child.connected) return;
    await this.request({ type: 'stop' });
    await new Promise<void>((resolve) => {
      if (this.child.exitCode !== null) resolve();
      else this.child.once('exit', () => resolve());
    });
  }

  private request(message: { type: ServerRequest['type'] }): Promise<ServerReply> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, resolve);
      this.child.send({ ...message, id }, (error) => {
        if (error) reject(error);
      });
    });
  }
}
