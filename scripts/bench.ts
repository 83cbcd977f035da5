/**
 * npm run bench -- [--kms-latency-ms 15] [--s3-latency-ms 25] [--input-mb 1] [--iterations 5] …
 *
 * Measures the transformer against the decryption floor and the per-event strategy on synthetic
 * Firehose batches, against local KMS and S3 endpoints with per-request latency (issue 5).
 * Progress goes to stderr; stdout carries the tables and, as its last line, the report as one JSON
 * line, also written to bench-results/latest.json. Not part of `npm test`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { BenchUsageError, parseBenchArgs } from '../tools/bench/options';
import { renderFloorReport, runFairFloor } from '../tools/bench/fair-floor';
import { renderReport } from '../tools/bench/report';
import { runBench } from '../tools/bench/run';

async function main(): Promise<number> {
  let options;
  try {
    options = parseBenchArgs(process.argv.slice(2));
  } catch (error) {
    if (process.argv.includes('--help')) {
      process.stdout.write(`${(error as Error).message}\n`);
      return 0;
    }
    if (error instanceof BenchUsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`bench: ${(error as Error).message}\n`);
      return 2;
    }
    throw error;
  }
  const command = ['npm run bench', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' ');
  const progress = (line: string) => process.stderr.write(`bench: ${line}\n`);
  if (options.floor) {
    const floor = await runFairFloor({ workloads: options.workloads, ...options.floor }, command, progress);
    const json = JSON.stringify(floor);
    await mkdir(dirname(options.out), { recursive: true });
    await writeFile(options.out, `${json}\n`);
    process.stdout.write(`${renderFloorReport(floor, options.markdown)}\n\nJSON also in ${options.out}\n${json}\n`);
    return 0;
  }
  const report = await runBench(options, command, progress);
  const json = JSON.stringify(report);
  await mkdir(dirname(options.out), { recursive: true });
  await writeFile(options.out, `${json}\n`);
  process.stdout.write(`${renderReport(report, options.markdown)}\n\nJSON also in ${options.out}\n${json}\n`);
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`bench: failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
