import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { median } from './stats';

const execFileAsync = promisify(execFile);

export interface ColdStartResult {
  readonly esbuildTarget: string;
  readonly bundleBytes: number;
  readonly sourceMapBytes: number;
  /** index.js and index.js.map deflated, about what the Lambda asset zip weighs. */
  readonly assetDeflatedBytes: number;
  /** Largest inputs of the bundle by package, bytes of output they account for. */
  readonly largestPackages: ReadonlyArray<{ readonly name: string; readonly bytes: number }>;
  readonly runs: number;
  /** Medians over fresh processes, with NODE_OPTIONS=--enable-source-maps as the CDK app sets it. */
  readonly withSourceMaps: ColdTimes;
  /** The same without source maps. */
  readonly withoutSourceMaps: ColdTimes;
  /**
   * Memory of a fresh process (the bundle, as deployed) after one full-size batch: what the Lambda
   * memory setting must hold, without this harness's own data.
   */
  readonly memory: {
    readonly workload: string;
    readonly inputBytes: number;
    readonly records: number;
    readonly batchMs: number;
    readonly rssBeforeBytes: number;
    readonly maxRssBytes: number;
  } | null;
}

export interface ColdTimes {
  /** require() of the bundle. */
  readonly loadMs: number;
  /** createHandler(env): settings, SDK clients, adapters. */
  readonly setupMs: number;
  readonly loadAndSetupMs: number;
  /** The first invocation on a one-record batch (one KMS call and a few PUTs at the configured latencies). */
  readonly firstInvokeMs: number;
}

interface ChildTiming {
  readonly loadMs: number;
  readonly setupMs: number;
  readonly firstInvokeMs: number;
  readonly bigBatchMs?: number;
  readonly bigRecords?: number;
  readonly rssBeforeBytes?: number;
  readonly maxRssBytes?: number;
}

/** Runs in a fresh `node`: times require() of the bundle, createHandler, and a first small invocation. */
const CHILD = `
const { performance } = require('node:perf_hooks');
const t0 = performance.now();
const bundle = require(process.env.BENCH_BUNDLE);
const t1 = performance.now();
const handler = bundle.createHandler(process.env);
const t2 = performance.now();
const event = JSON.parse(require('node:fs').readFileSync(process.env.BENCH_EVENT, 'utf8'));
handler(event).then(async (result) => {
  const t3 = performance.now();
  if (!result || !Array.isArray(result.records)) throw new Error('no records in the answer');
  const timing = { loadMs: t1 - t0, setupMs: t2 - t1, firstInvokeMs: t3 - t2 };
  if (process.env.BENCH_BIG_EVENT) {
    let big = JSON.parse(require('node:fs').readFileSync(process.env.BENCH_BIG_EVENT, 'utf8'));
    const rssBeforeBytes = process.memoryUsage.rss();
    const t4 = performance.now();
    const answer = await handler(big);
    timing.bigBatchMs = performance.now() - t4;
    timing.bigRecords = answer.records.length;
    timing.rssBeforeBytes = rssBeforeBytes;
    timing.maxRssBytes = process.resourceUsage().maxRSS * 1024;
  }
  process.stderr.write('BENCH_COLD ' + JSON.stringify(timing) + '\\n');
});
`;

/**
 * Bundles the transformer's entry (lambda/transformer-entry.ts) as the CDK app's NodejsFunction does (esbuild, platform node, the app's
 * target, CJS, ES module builds first, minified, linked source map without the sources' text, every
 * dependency including the AWS SDK bundled), then
 * times loading it and building the handler in fresh processes.
 */
export async function measureColdStart(options: {
  readonly repoRoot: string;
  readonly runs: number;
  readonly env: Readonly<Record<string, string>>;
  /** A small Firehose event for the first invocation. */
  readonly event: unknown;
  /** A full-size batch run once in a fresh process to measure its peak RSS. */
  readonly bigEvent?: { readonly workload: string; readonly inputBytes: number; readonly event: unknown };
}): Promise<ColdStartResult> {
  const directory = await mkdtemp(join(tmpdir(), 'das-firehose-bundle-'));
  try {
    const esbuildTarget = await cdkTarget(options.repoRoot);
    const outfile = join(directory, 'index.js');
    const { metafile } = await build({
      entryPoints: [join(options.repoRoot, 'lambda', 'transformer-entry.ts')],
      absWorkingDir: options.repoRoot,
      bundle: true,
      platform: 'node',
      target: esbuildTarget,
      format: 'cjs',
      minify: true,
      sourcemap: true,
      // As lib/das-firehose-pipeline/transform-function.ts bundles the function.
      sourcesContent: false,
      mainFields: ['module', 'main'],
      outfile,
      metafile: true,
      logLevel: 'silent',
    });
    const [code, map] = await Promise.all([readFile(outfile), readFile(`${outfile}.map`)]);
    const eventFile = join(directory, 'event.json');
    await writeFile(eventFile, JSON.stringify(options.event));

    const output = metafile.outputs[relative(options.repoRoot, outfile)] ?? Object.values(metafile.outputs).find((item) => item.entryPoint);
    const byPackage = new Map<string, number>();
    for (const [input, { bytesInOutput }] of Object.entries(output?.inputs ?? {})) {
      const name = packageOf(input);
      byPackage.set(name, (byPackage.get(name) ?? 0) + bytesInOutput);
    }

    const child = async (sourceMaps: boolean, bigEventFile?: string): Promise<ChildTiming> => {
      const { stderr } = await execFileAsync(process.execPath, ['-e', CHILD], {
        env: {
          PATH: process.env.PATH ?? '',
          ...options.env,
          BENCH_BUNDLE: outfile,
          BENCH_EVENT: eventFile,
          ...(bigEventFile ? { BENCH_BIG_EVENT: bigEventFile } : {}),
          ...(sourceMaps ? { NODE_OPTIONS: '--enable-source-maps' } : {}),
        },
        maxBuffer: 64 * 1024 * 1024,
      });
      const line = stderr.split('\n').find((text) => text.startsWith('BENCH_COLD '));
      if (!line) throw new Error(`cold-start child printed no timing:\n${stderr}`);
      return JSON.parse(line.slice('BENCH_COLD '.length)) as ChildTiming;
    };
    const time = async (sourceMaps: boolean): Promise<ColdTimes> => {
      const samples: ChildTiming[] = [];
      for (let run = 0; run < options.runs; run++) samples.push(await child(sourceMaps));
      const loadMs = median(samples.map((sample) => sample.loadMs));
      const setupMs = median(samples.map((sample) => sample.setupMs));
      return {
        loadMs,
        setupMs,
        loadAndSetupMs: median(samples.map((sample) => sample.loadMs + sample.setupMs)),
        firstInvokeMs: median(samples.map((sample) => sample.firstInvokeMs)),
      };
    };

    const withSourceMaps = await time(true);
    const withoutSourceMaps = await time(false);
    let memory: ColdStartResult['memory'] = null;
    if (options.bigEvent) {
      const bigEventFile = join(directory, 'big-event.json');
      await writeFile(bigEventFile, JSON.stringify(options.bigEvent.event));
      const timing = await child(true, bigEventFile);
      memory = {
        workload: options.bigEvent.workload,
        inputBytes: options.bigEvent.inputBytes,
        records: timing.bigRecords ?? 0,
        batchMs: timing.bigBatchMs ?? Number.NaN,
        rssBeforeBytes: timing.rssBeforeBytes ?? Number.NaN,
        maxRssBytes: timing.maxRssBytes ?? Number.NaN,
      };
    }
    const bundleBytes = (await stat(outfile)).size;
    return {
      esbuildTarget,
      bundleBytes,
      sourceMapBytes: map.length,
      assetDeflatedBytes: gzipSync(code).length + gzipSync(map).length,
      largestPackages: [...byPackage.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 8)
        .map(([name, bytes]) => ({ name, bytes })),
      runs: options.runs,
      withSourceMaps,
      withoutSourceMaps,
      memory,
    };
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

/** The esbuild target the CDK app bundles for (lib/defaults.ts FUNCTION_ESBUILD_TARGET), read as text so aws-cdk-lib stays unloaded. */
async function cdkTarget(repoRoot: string): Promise<string> {
  try {
    const text = await readFile(join(repoRoot, 'lib', 'defaults.ts'), 'utf8');
    return /FUNCTION_ESBUILD_TARGET\s*=\s*'([^']+)'/.exec(text)?.[1] ?? 'node22';
  } catch {
    return 'node22';
  }
}

/** `node_modules/@aws-sdk/client-s3/dist-cjs/index.js` → `@aws-sdk/client-s3`; our own files → `(das-firehose)`. */
export function packageOf(input: string): string {
  const marker = 'node_modules/';
  const at = input.lastIndexOf(marker);
  if (at < 0) return '(das-firehose)';
  const parts = input.slice(at + marker.length).split('/');
  return parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] ?? input);
}
