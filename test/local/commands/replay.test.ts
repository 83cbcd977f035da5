import { execFile } from 'node:child_process';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { S3Client } from '@aws-sdk/client-s3';
import type { ReplayReport } from '../../../lambda/core/replay/replay';
import { DEV_KMS_KEY_ARN } from '../../../testkit/aws/dev-key';
import { LOCAL_REPLAY_FUNCTION, localFunctions } from '../../../local/commands/local-functions';
import { runLikeFirehose } from '../../../testkit/aws/firehose-delivery';
import { UsageError } from '../../../local/commands/cli';
import { invokeTransformer } from '../../../local/commands/invoke';
import { formatReplayReport, parseReplay, runReplay, type ReplayCommand } from '../../../local/commands/replay';
import { runStart } from '../../../local/commands/start';
import { PROFILES } from '../../../testkit/das/das-synth';
import { quietly } from '../../support/logs';
import { mintBatch, s3ClientFor, startLocalAws, storedLines, withEnv, type LocalAws } from '../../support/local-aws';

const run = promisify(execFile);
const ROOT = join(__dirname, '../../..');

describe('npm run replay: options', () => {
  it.each([
    ['nowhere to run', [], 'give one of --function <ReplayFunctionName output> (in the account), --bucket <name> (here) or --local; got none'],
    ['two places at once', ['--local', '--bucket', 'b'], 'got several'],
    ['a time that is not one', ['--local', '--since', 'yesterday'], '--since must be a UTC date or hour, e.g. 2026-11-21 or 2026-11-21T09; got "yesterday"'],
    ['a range that ends before it starts', ['--local', '--since', '2026-11-22', '--until', '2026-11-21'], '--since (2026-11-22) is after --until (2026-11-21)'],
    ['a resource ID that is not one', ['--local', '--resource-id', 'my-cluster'], '--resource-id must be a cluster-… (Aurora) or db-… (RDS) resource ID'],
    ['an unknown format', ['--local', '--format', 'xml'], '--format must be text or json'],
    ['--report in the function', ['--function', 'f', '--report'], '--report reads the bucket here: give --bucket <name> (or --local) instead of --function'],
  ])('refuses %s, saying what to give', (_name, argv, message) => {
    expect(() => parseReplay(argv)).toThrow(UsageError);
    expect(() => parseReplay(argv)).toThrow(message);
  });

  it('reads a date as its first hour for --since and its last for --until', () => {
    expect(parseReplay(['--bucket', 'b', '--since', '2026-11-21', '--until', '2026-11-21T17'])?.options).toEqual({
      since: Date.UTC(2026, 10, 21, 0),
      until: Date.UTC(2026, 10, 21, 17),
      dryRun: false,
    });
    expect(parseReplay(['--bucket', 'b', '--until', '2026-11-21'])?.options.until).toBe(Date.UTC(2026, 10, 21, 23));
  });
});

describe('npm run replay -- --function (the replay function, on the local Lambda endpoint)', () => {
  let aws: LocalAws;
  let s3: S3Client;
  const resourceId = PROFILES['rds-oracle'].resourceId;

  beforeAll(async () => {
    // A minute's timeout leaves no time past the first object: each call re-drives one object, and the command calls again.
    aws = await startLocalAws({ functions: localFunctions({ replayTimeoutMs: 60_000 }) });
    s3 = s3ClientFor(aws);
    aws.kms.deniedKeys.add(DEV_KMS_KEY_ARN);
    for (const batch of [1, 2, 3]) {
      const { event } = await mintBatch(aws, { engine: 'rds-oracle', records: 2, eventsPerRecord: 3, batch, seed: batch });
      await quietly(() => runLikeFirehose({ s3, bucket: aws.bucket, resourceId }, event, () => withEnv(aws.env, () => invokeTransformer(event, aws.env))));
    }
    aws.kms.deniedKeys.clear();
  });
  afterAll(async () => {
    s3.destroy();
    await aws.stop();
  });

  const command = (extra: Partial<ReplayCommand> = {}): ReplayCommand => ({
    where: { kind: 'function', name: LOCAL_REPLAY_FUNCTION },
    options: { dryRun: false },
    format: 'text',
    ...extra,
  });

  it('calls the function until the error output is done, adding up what each call replayed', async () => {
    const seen: number[] = [];
    const report = await quietly(() => withEnv(aws.env, () => runReplay(command(), (done) => seen.push(done))));
    expect(report).toMatchObject({ complete: true, objects: { retired: 3 }, records: { ok: 6, stillFailing: 0 } });
    expect(aws.lambda.invocations(LOCAL_REPLAY_FUNCTION)).toBe(3);
    expect(seen).toEqual([1, 2, 3]);
    expect((await storedLines(aws)).length).toBe(18);
    expect(formatReplayReport(report, command())).toContain('6 Ok, 0 Dropped (heartbeats only), 0 still failing');
  });

  it('says what the function refused, and which function it could not find', async () => {
    const refused = withEnv(aws.env, () => runReplay(command({ since: 'yesterday' })));
    await expect(refused).rejects.toThrow('the replay function failed: Error: Invalid replay request: since must be a UTC date or hour');
    const missing = withEnv(aws.env, () => runReplay(command({ where: { kind: 'function', name: 'no-such-function' } })));
    await expect(missing).rejects.toThrow(/cannot invoke the replay function no-such-function .*ResourceNotFoundException: Function not found/);
  });
  it('with --bucket, reports a bucket it cannot list as the reason it stopped, not as an empty error output', async () => {
    const report = await quietly(() => withEnv(aws.env, () => runReplay(command({ where: { kind: 'bucket', bucket: 'no-such-bucket' } }))));
    expect(report.complete).toBe(false);
    expect(report.error).toMatch(/NoSuchBucket/);
    expect(formatReplayReport(report, command({ where: { kind: 'bucket', bucket: 'no-such-bucket' } }))).toMatch(/NoSuchBucket/);
  });
});

describe('npm run replay -- --local (the command)', () => {
  it('after npm start, sets the malformed samples aside with their reasons and exits 1 saying so; a second run has nothing left (exit 0); --report lists them', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'replay-cli-'));
    await mkdir(join(cwd, 'events'));
    await run('cp', [join(ROOT, 'events', 'mixed-malformed.json'), join(cwd, 'events')]);
    await quietly(() => runStart({ eventsDir: join(cwd, 'events'), dataDir: join(cwd, '.local') }));
    const replayCli = (...argv: string[]) =>
      run(join(ROOT, 'node_modules/.bin/tsx'), [join(ROOT, 'scripts/replay.ts'), '--local', ...argv], { cwd, env: { PATH: process.env.PATH! } }).then(
        (result) => ({ ...result, code: 0 }),
        (error: { stdout: string; stderr: string; code: number }) => ({ stdout: error.stdout, stderr: error.stderr, code: error.code }),
      );
    const first = await replayCli('--format', 'json');
    expect(first.code).toBe(1);
    expect(first.stderr).toContain('replay: not everything could be replayed: 1 object moved to firehose/unreplayable/: records that fail for good');
    const report = JSON.parse(first.stdout) as ReplayReport;
    expect(report).toMatchObject({ complete: true, objects: { selected: 1, retired: 0, kept: 0, unreplayable: 1 }, records: { read: 11, ok: 0, stillFailing: 11 } });
    expect(Object.keys(report.reasons)).toHaveLength(11);
    expect(report.unreplayable[0]?.key).toMatch(/^firehose\/failed\/resource=cluster-4HNY5V4RRNPKKYB7ICFKE5JBQQ\/type=processing-failed\//);

    const second = await replayCli();
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('nothing left to replay');

    const listing = await replayCli('--report');
    expect(listing.code).toBe(0);
    expect(listing.stdout).toMatch(/^1 object in firehose\/unreplayable\/ \(records that fail for good\)/);
    expect(listing.stdout).toContain(report.unreplayable[0]!.key.replace('firehose/failed/', 'firehose/unreplayable/'));
  }, 90_000);
});
