/**
 * npm run fuzz -- [--mutants 50000] [--seed 1] [--batch-size 200] [--source]
 *
 * Runs mutated DAS records mixed with good ones through the transformer asset `cdk synth` bundles (or,
 * with --source, through the TypeScript handler), against the local KMS endpoint and S3 server, and
 * checks every batch against an independent reference reader: nothing thrown, every record answered
 * once, every kept event stored once, every bad record ProcessingFailed with its data, no SQL or key in
 * any log line. `npm test` runs 2,000 mutants of it; this runs as many as you ask. Exit 1 on any violation.
 */
import * as path from 'node:path';
import type { FirehoseTransformationEvent, FirehoseTransformationResult } from 'aws-lambda';
import { createHandler } from '../lambda/handler';
import { bundledAsset } from '../testkit/bundled-asset';
import { intOption, parseOptions, runMain } from '../local/commands/cli';
import { PROFILES, streamArnFor } from '../testkit/das/das-synth';
import { DEV_KMS_KEY_ARN } from '../testkit/aws/dev-key';
import { runFuzz } from '../tools/fuzz/run';
import { LocalAws } from '../testkit/aws/local-aws';
import { localHandlerEnv } from '../testkit/aws/local-env';

const USAGE = `Usage: npm run fuzz -- [--mutants N] [--seed N] [--batch-size N] [--source]

  --mutants N      mutated records to run (default 50000)
  --seed N         seed of the mutations; the same seed repeats a run exactly (default 1)
  --batch-size N   records per Firehose batch (default 200)
  --source         run the TypeScript handler instead of the bundled asset
`;

runMain('fuzz', async () => {
  const { values } = parseOptions(process.argv.slice(2), {
    mutants: { type: 'string' },
    seed: { type: 'string' },
    'batch-size': { type: 'string' },
    source: { type: 'boolean' },
    help: { type: 'boolean' },
  }, 'fuzz');
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const mutants = intOption(values.mutants, 'mutants', 1, 10_000_000) ?? 50_000;
  const seed = intOption(values.seed, 'seed', 0, 2 ** 31) ?? 1;
  const batchSize = intOption(values['batch-size'], 'batch-size', 1, 5_000) ?? 200;

  const aws = await LocalAws.start();
  const asset = values.source
    ? undefined
    : bundledAsset({
        dasStreamArn: (['aurora-postgresql', 'aurora-mysql'] as const).map((engine) => streamArnFor(PROFILES[engine].resourceId)).join(','),
        kmsKeyArn: DEV_KMS_KEY_ARN,
      });
  try {
    const env = { ...localHandlerEnv(aws.env), KMS_KEY_ARN: DEV_KMS_KEY_ARN };
    for (const [name, value] of Object.entries(env)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    type Handler = (event: FirehoseTransformationEvent) => Promise<FirehoseTransformationResult>;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const handler: Handler = asset ? (require(path.join(asset.directory, 'index.js')) as { handler: Handler }).handler : createHandler(process.env);
    const started = Date.now();
    const writeErr = process.stderr.write.bind(process.stderr);
    const report = await runFuzz({
      aws,
      handler,
      mutants,
      seed,
      batchSize,
      captureLogs: async (fn) => {
        const chunks: string[] = [];
        const out = process.stdout.write;
        const err = process.stderr.write;
        const capture = ((chunk: string | Uint8Array) => chunks.push(String(chunk)) > 0) as typeof process.stdout.write;
        process.stdout.write = capture;
        process.stderr.write = capture;
        try {
          return { value: await fn(), logs: chunks.join('') };
        } finally {
          process.stdout.write = out;
          process.stderr.write = err;
        }
      },
      progress: (done, total) => {
        if (process.stderr.isTTY) writeErr(`\r\x1b[K${done}/${total} mutants, ${Math.round((Date.now() - started) / 1000)} s`);
      },
    });
    if (process.stderr.isTTY) writeErr('\r\x1b[K');
    const seconds = Math.round((Date.now() - started) / 1000);
    process.stdout.write(
      [
        `Fuzzed ${asset ? 'the bundled asset' : 'the TypeScript handler'} with seed ${seed}: ${report.mutants} mutants and ` +
          `${report.records - report.mutants} good records in ${report.batches} batches, ${seconds} s.`,
        `Mutants the reference reader still reads: ${report.expected.kept} with events, ${report.expected.dropped} with none; ` +
          `${report.expected.failing} it refuses.`,
        `Answers: ${Object.entries(report.answers).map(([result, count]) => `${count} ${result}`).join(', ')}.`,
        `Violations: ${report.violations.length === 0 ? 'none' : ''}`,
        ...report.violations.slice(0, 20).map((violation) => `  batch ${violation.batch}: ${violation.problems.join('; ')} (edits: ${[...new Set(violation.labels)].join(', ')})`),
        '',
      ].join('\n'),
    );
    if (report.violations.length > 0) process.exitCode = 1;
  } finally {
    await aws.stop();
    asset?.dispose();
  }
});
