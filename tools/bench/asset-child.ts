/**
 * Runs a script in a fresh `node` process beside the shipped asset (cdk synth's bundle of the
 * transformer), as the bench's side-by-side runs it: the function's environment (NODE_OPTIONS with
 * source maps, logs at INFO), the bench's loopback endpoints with their latency (KMS +15 ms, S3 +25 ms),
 * and `warmup + runs` Firehose batches of one workload written to files. The script finds them in
 * `BENCH_ASSET_INDEX` (the bundle), `BENCH_EVENT_FILES` (JSON list of batch files) and `BENCH_WARMUP`.
 * For the profiling tools (profile-asset.ts, request-timeline.ts, allocations-asset.ts).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundledAsset, literalEnvironment } from '../../testkit/bundled-asset';
import { DEV_KMS_KEY_ARN } from '../../testkit/aws/dev-key';
import { PROFILES, streamArnFor } from '../../testkit/das/das-synth';
import { BenchServers } from './servers';
import { buildWorkload, firehoseBatch, workloadEnvironment, WORKLOADS } from './workloads';

export interface AssetChildOptions {
  /** Workload name (tools/bench/workloads.ts). */
  readonly workload: string;
  readonly runs: number;
  readonly warmup: number;
  /** More variables for the script. */
  readonly env?: Readonly<Record<string, string>>;
  /** node flags before the script, e.g. `--trace-gc` (the tools read `PROFILE_NODE_FLAGS`). */
  readonly nodeFlags?: readonly string[];
  /** NODE_OPTIONS instead of the function's, e.g. without --enable-source-maps (`PROFILE_NODE_OPTIONS`). */
  readonly nodeOptions?: string;
}

/** Runs `script` (node -e) beside the asset; rejects when it exits with a failure. */
export async function runBesideAsset(script: string, options: AssetChildOptions): Promise<void> {
  const spec = WORKLOADS.find((item) => item.name === options.workload);
  if (!spec) throw new Error(`unknown workload ${options.workload}; the workloads are ${WORKLOADS.map((item) => item.name).join(', ')}`);
  const asset = bundledAsset({ dasStreamArn: streamArnFor(PROFILES['aurora-postgresql'].resourceId), kmsKeyArn: DEV_KMS_KEY_ARN });
  const servers = await BenchServers.start({ kmsMs: 15, s3Ms: 25 });
  const directory = await mkdtemp(join(tmpdir(), 'das-asset-child-'));
  try {
    const workload = await buildWorkload(spec, 1024 * 1024);
    const files: string[] = [];
    for (let run = 0; run < options.runs + options.warmup; run++) {
      const file = join(directory, `event-${run}.json`);
      await writeFile(file, JSON.stringify(firehoseBatch(workload, run + 1)));
      files.push(file);
    }
    const env = {
      PATH: process.env.PATH ?? '',
      ...literalEnvironment(asset.environment),
      ...servers.env,
      ...workloadEnvironment(workload.spec),
      POWERTOOLS_LOG_LEVEL: 'INFO',
      BENCH_ASSET_INDEX: join(asset.directory, 'index.js'),
      BENCH_EVENT_FILES: JSON.stringify(files),
      BENCH_WARMUP: String(options.warmup),
      ...options.env,
      ...(options.nodeOptions !== undefined ? { NODE_OPTIONS: options.nodeOptions } : {}),
    };
    await new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, [...(options.nodeFlags ?? []), '-e', script], { env, stdio: ['ignore', 'inherit', 'inherit'] });
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`child exited ${code}`))));
    });
  } finally {
    await rm(directory, { recursive: true, force: true });
    await servers.stop();
    asset.dispose();
  }
}

/** The tools' shared arguments: `[workload] [runs] [--warmup N] [--save FILE]` and the PROFILE_* variables. */
export function assetChildArgs(argv: readonly string[], defaults: { workload: string; runs: number; warmup: number }): AssetChildOptions & { save?: string } {
  const args = [...argv];
  const take = (flag: string): string | undefined => {
    const at = args.indexOf(flag);
    return at >= 0 ? args.splice(at, 2)[1] : undefined;
  };
  const save = take('--save');
  const warmup = take('--warmup');
  return {
    workload: args[0] ?? defaults.workload,
    runs: Number(args[1] ?? defaults.runs),
    warmup: warmup !== undefined ? Number(warmup) : defaults.warmup,
    nodeFlags: (process.env.PROFILE_NODE_FLAGS ?? '').split(' ').filter(Boolean),
    ...(process.env.PROFILE_NODE_OPTIONS !== undefined ? { nodeOptions: process.env.PROFILE_NODE_OPTIONS } : {}),
    ...(save !== undefined ? { save } : {}),
  };
}

/**
 * A tool's whole run: its arguments read (see {@link assetChildArgs}), `script` run beside the asset, a
 * failure printed as one line under the tool's name (no stack trace) with exit code 1.
 */
export function runAssetTool(tool: string, script: string, defaults: { workload: string; runs: number; warmup: number }, env?: (save: string | undefined) => Record<string, string>): void {
  const options = assetChildArgs(process.argv.slice(2), defaults);
  runBesideAsset(script, { ...options, env: env?.(options.save) ?? {} }).catch((error: unknown) => {
    process.stderr.write(`${tool}: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
