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
import { helpRequested, runMain } from '../local/commands/cli';
import { parseBenchArgs, USAGE } from '../tools/bench/options';
import { renderFloorReport, runFairFloor } from '../tools/bench/fair-floor';
import { renderReport } from '../tools/bench/report';
import { runBench } from '../tools/bench/run';

runMain('bench', async () => {
  const argv = process.argv.slice(2);
  if (helpRequested(argv)) {
    process.stdout.write(USAGE);
    return;
  }
  const options = parseBenchArgs(argv);
  const command = ['npm run bench', ...(argv.length > 0 ? ['--', ...argv] : [])].join(' ');
  const progress = (line: string) => process.stderr.write(`bench: ${line}\n`);
  if (options.floor) {
    const floor = await runFairFloor({ workloads: options.workloads, ...options.floor }, command, progress);
    const json = JSON.stringify(floor);
    await mkdir(dirname(options.out), { recursive: true });
    await writeFile(options.out, `${json}\n`);
    process.stdout.write(`${renderFloorReport(floor, options.markdown)}\n\nJSON also in ${options.out}\n${json}\n`);
    return;
  }
  const report = await runBench(options, command, progress);
  const json = JSON.stringify(report);
  await mkdir(dirname(options.out), { recursive: true });
  await writeFile(options.out, `${json}\n`);
  process.stdout.write(`${renderReport(report, options.markdown)}\n\nJSON also in ${options.out}\n${json}\n`);
});
