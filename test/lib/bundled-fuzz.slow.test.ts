import * as path from 'path';
import type { FirehoseTransformationEvent, FirehoseTransformationResult } from 'aws-lambda';
import { PROFILES, streamArnFor } from '../../testkit/das/das-synth';
import { DEV_KMS_KEY_ARN } from '../../testkit/aws/dev-key';
import { runFuzz, type FuzzReport } from '../../tools/fuzz/run';
import { bundledAsset, literalEnvironment, type BundledAsset } from '../../testkit/bundled-asset';
import { capturingLogs } from '../support/logs';
import { LocalAws, startLocalAws } from '../support/local-aws';

/**
 * The bundled transformer asset on mutated DAS records mixed with good ones: bit flips, truncation and
 * insertion at every layer (base64, envelope JSON, Encryption SDK message, gzip, activity JSON) and
 * structural edits (deep nesting, huge strings, wrong types, repeated names, NUL, unicode, layout).
 * Each record's expected answer comes from an independent reference reader. `npm run fuzz` runs more.
 */
describe('the bundled transformer under fuzzing', () => {
  let asset: BundledAsset;
  let aws: LocalAws;
  let report: FuzzReport;
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    asset = bundledAsset({
      dasStreamArn: (['aurora-postgresql', 'aurora-mysql'] as const).map((engine) => streamArnFor(PROFILES[engine].resourceId)).join(','),
      kmsKeyArn: DEV_KMS_KEY_ARN,
    });
    aws = await startLocalAws();
    // Pinning KMS to the development key is what the template does; the fuzz keys are sealed by it.
    Object.assign(process.env, literalEnvironment(asset.environment), aws.env);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { handler } = require(path.join(asset.directory, 'index.js')) as {
      handler: (event: FirehoseTransformationEvent) => Promise<FirehoseTransformationResult>;
    };
    report = await runFuzz({ aws, handler, mutants: 2_000, batchSize: 125, seed: 20261123, captureLogs: capturingLogs });
  }, 240_000);

  afterAll(async () => {
    for (const name of Object.keys(process.env)) if (!(name in savedEnv)) delete process.env[name];
    Object.assign(process.env, savedEnv);
    await aws?.stop();
    asset?.dispose();
  });

  it('ran at least 2,000 mutants, mixed with good records, at every layer', () => {
    expect(report.mutants).toBeGreaterThanOrEqual(2_000);
    expect(report.records - report.mutants).toBeGreaterThan(300);
    const layers = new Set(Object.keys(report.labels).map((label) => label.split(':')[0]));
    expect([...layers].sort()).toEqual(['base64', 'envelope', 'envelope bytes', 'esdk', 'gzip', 'payload']);
    // The mutants reach every outcome: most fail, some are still readable, some hold only heartbeats.
    expect(report.expected.failing).toBeGreaterThan(1_000);
    expect(report.expected.kept).toBeGreaterThan(100);
    expect(report.expected.dropped).toBeGreaterThan(0);
  });

  it('never throws, answers every record once, stores every kept event once, fails bad records alone with their data, logs no SQL or keys', () => {
    expect(report.violations).toEqual([]);
  });
});
