import * as fs from 'fs';
import { builtinModules } from 'module';
import * as path from 'path';
import type { FirehoseTransformationEvent, FirehoseTransformationResult } from 'aws-lambda';
import { PROFILES, streamArnFor, type Engine } from '../../testkit/das/das-synth';
import { DEV_KMS_KEY_ARN } from '../../testkit/aws/dev-key';
import { LocalAws, mintBatch, okReceipt, startLocalAws, storedObjects } from '../support/local-aws';
import { bundledAsset, literalEnvironment, type BundledAsset } from '../../testkit/bundled-asset';

/** Modules the AWS SDK requires only if present (SigV4a signing); absent in Lambda as well. */
const OPTIONAL_SDK_MODULES = ['@aws-sdk/signature-v4-crt', '@aws-sdk/signature-v4a'];

/**
 * The asset `cdk synth` actually bundles, run on minted DAS records against the local KMS and S3
 * endpoints: a bundling mistake (an externalized module, a missing dependency, a broken entry point)
 * fails here instead of in a deployment.
 */
describe('the bundled transformer asset', () => {
  const engines: Engine[] = ['aurora-postgresql', 'aurora-mysql'];
  let asset: BundledAsset;
  let assetDir: string;
  let functionEnv: Record<string, unknown>;
  let aws: LocalAws;
  let handler: (event: FirehoseTransformationEvent) => Promise<FirehoseTransformationResult>;
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    // Two databases with the local development key: the unsigned (PostgreSQL) and signed (MySQL) suites.
    asset = bundledAsset({
      dasStreamArn: engines.map((engine) => streamArnFor(PROFILES[engine].resourceId)).join(','),
      kmsKeyArn: DEV_KMS_KEY_ARN,
    });
    assetDir = asset.directory;
    functionEnv = asset.environment;
    aws = await startLocalAws();
    // The environment the template gives the function, with the bucket (a Ref) and the endpoints made local.
    Object.assign(process.env, literalEnvironment(functionEnv), aws.env);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    handler = require(path.join(assetDir, 'index.js')).handler;
  }, 120_000);

  afterAll(async () => {
    for (const name of Object.keys(process.env)) if (!(name in savedEnv)) delete process.env[name];
    Object.assign(process.env, savedEnv);
    await aws?.stop();
    asset?.dispose();
  });

  it('is esbuild output: minified index.js with its source map, no TypeScript', () => {
    const files = fs.readdirSync(assetDir).sort();
    expect(files).toEqual(['index.js', 'index.js.map']);
    const code = fs.readFileSync(path.join(assetDir, 'index.js'), 'utf8');
    // Minified: the code is a few very long lines (esbuild appends the licence comments after it).
    expect(Math.max(...code.split('\n').map((line) => line.length))).toBeGreaterThan(100_000);
    expect(code).toMatch(/sourceMappingURL=index\.js\.map/);
  });

  it('bundles the AWS SDK and the Encryption SDK instead of requiring them from the runtime', () => {
    const code = fs.readFileSync(path.join(assetDir, 'index.js'), 'utf8');
    const required = new Set([...code.matchAll(/require\(["']([^"']+)["']\)/g)].map((match) => match[1]));
    const external = [...required].filter((name) => !name.startsWith('node:') && !builtinModules.includes(name));
    // The SDK probes for these optional SigV4a signers inside try/catch; nothing else may come from outside.
    expect(external.filter((name) => !OPTIONAL_SDK_MODULES.includes(name))).toEqual([]);
  });

  it('is configured by the environment the template gives it', () => {
    expect(functionEnv).toMatchObject({ KMS_KEY_ARN: DEV_KMS_KEY_ARN, POWERTOOLS_SERVICE_NAME: 'das-firehose' });
    expect(functionEnv.BUCKET_NAME).toEqual({ Ref: expect.any(String) });
  });

  it.each(engines)('transforms %s records: every record Ok, events stored under events/command=…/', async (engine) => {
    const { event, events } = await mintBatch(aws, { engine, records: 3, eventsPerRecord: 4, seed: engine.length });
    const result = await handler(event);

    expect(result.records.map((record) => record.recordId)).toEqual(event.records.map((record) => record.recordId));
    expect(result.records.every((record) => record.result === 'Ok')).toBe(true);
    const receipts = result.records.map((record) => okReceipt(record.data));
    expect(receipts.map((receipt) => receipt.events)).toEqual(events.map((record) => record.length));

    const stored = (await storedObjects(aws)).filter((object) =>
      object.events.some((stored) => JSON.stringify(stored).includes(PROFILES[engine].resourceId)),
    );
    expect(stored.length).toBeGreaterThan(0);
    for (const object of stored) expect(object.key).toMatch(/^events\/command=[A-Z0-9_]+\//);
    expect(stored.flatMap((object) => object.events)).toHaveLength(events.flat().length);
  });

  it('loads the Encryption SDK when a record needs it: with the fast path off, every record is still Ok', async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const bundle = require(path.join(assetDir, 'index.js')) as { createHandler(env: NodeJS.ProcessEnv): typeof handler };
    const sdkOnly = bundle.createHandler({ ...process.env, DECRYPT_FAST_PATH: 'off' });
    const { event, events } = await mintBatch(aws, { engine: 'aurora-mysql', records: 2, eventsPerRecord: 3, seed: 7 });
    const result = await sdkOnly(event);
    expect(result.records.map((record) => record.result)).toEqual(['Ok', 'Ok']);
    expect(result.records.map((record) => okReceipt(record.data).events)).toEqual(events.map((record) => record.length));
  });

  it("is the transformer's alone: the other functions' modules and clients are not in it", () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const bundle = require(path.join(assetDir, 'index.js')) as Record<string, unknown>;
    expect(Object.keys(bundle).sort()).toEqual(['createHandler', 'handler']);
    // The RDS client's command the database source sends: the shared bundle has it, this one must not.
    expect(fs.readFileSync(path.join(assetDir, 'index.js'), 'utf8')).not.toContain('DescribeDBClusters');
  });

  it("the other functions' shared bundle loads each entry point on its first call", async () => {
    const shared = bundledAsset({ dasStreamArn: streamArnFor(PROFILES['aurora-postgresql'].resourceId), kmsKeyArn: DEV_KMS_KEY_ARN }, 'index.replayHandler');
    try {
      expect(fs.readFileSync(path.join(shared.directory, 'index.js'), 'utf8')).toContain('DescribeDBClusters');
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const bundle = require(path.join(shared.directory, 'index.js')) as Record<string, (request: unknown) => Promise<unknown>>;
      // Each answers a request it cannot take with its own module's words: the module loaded and ran.
      await expect((bundle.replayHandler as (request: unknown) => Promise<unknown>)({ resourceId: 'nope' })).rejects.toThrow(/Invalid replay request/);
      for (const name of ['handler', 'databaseSourceOnEvent', 'databaseSourceIsComplete', 'alertPublisherHandler']) expect(typeof bundle[name]).toBe('function');
    } finally {
      shared.dispose();
    }
  }, 120_000);
});
