import { execFile } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { FirehoseTransformationResult } from 'aws-lambda';
import { commandFolder } from '../../../lambda/core/shared/partition';
import { browse, parseBrowse } from '../../../local/commands/browse';
import { UsageError } from '../../../local/commands/cli';
import { PROFILES } from '../../../testkit/das/das-synth';
import { DEV_KMS_KEY_ARN } from '../../../testkit/aws/dev-key';
import { planEvents, writeEvents } from '../../../local/commands/events';
import { invokeTransformer, readEventFile } from '../../../local/commands/invoke';
import { LocalAws, withEnv } from '../../../testkit/aws/local-aws';
import { captureOutput } from '../../../local/commands/capture-output';
import { localHandlerEnv } from '../../../testkit/aws/local-env';
import { okReceipt, storedObjects } from '../../support/local-aws';
import type { SampleEvent } from '../../../testkit/das/sample-events';

const run = promisify(execFile);
const ROOT = join(__dirname, '../../..');
const TSX = join(ROOT, 'node_modules/.bin/tsx');

let aws: LocalAws;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'das-events-'));
  aws = await LocalAws.start({ s3Directory: join(dir, 's3') });
});
afterAll(() => aws.stop());

/** The events stored from the Ok records of a database: read back from events/, checked against the receipts' counts. */
async function okEvents(response: FirehoseTransformationResult, resourceId: string): Promise<Array<Record<string, unknown>>> {
  const stored = (await storedObjects(aws)).filter((object) => object.key.includes(`/${resourceId}-`)).flatMap((object) => object.events);
  const receipts = response.records.filter((record) => record.result === 'Ok').map((record) => okReceipt(record.data));
  expect(receipts.reduce((sum, receipt) => sum + receipt.events, 0)).toBe(stored.length);
  return stored;
}

describe('npm run events, then npm run invoke, then npm run browse', () => {
  it('mints a file that invoke answers with pure JSON, one entry per record ID, and browse lists its folders', async () => {
    const out = join(dir, 'sqlserver.json');
    const plan = planEvents(['--engine', 'rds-sqlserver', '--records', '12', '--events-per-record', '15', '--malformed-share', '0.25', '--out', out])!;
    await writeEvents(plan);
    const event = JSON.parse(await readFile(out, 'utf8')) as SampleEvent;

    const { stdout } = await run(TSX, [join(ROOT, 'scripts/invoke.ts'), out], {
      env: { PATH: process.env.PATH!, ...defined(localHandlerEnv(aws.env)) },
    });
    const response = JSON.parse(stdout) as FirehoseTransformationResult;
    expect(response.records.map((record) => record.recordId)).toEqual(event.records.map((record) => record.recordId));
    const failed = response.records.filter((record) => record.result === 'ProcessingFailed').map((record) => record.recordId);
    expect(failed).toEqual(event.about.malformed.map((item) => item.recordId));
    expect(failed).toHaveLength(3);

    const kept = await okEvents(response, PROFILES['rds-sqlserver'].resourceId);
    const expected = new Map<string, number>();
    for (const item of kept) expected.set(commandFolder(item.command), (expected.get(commandFolder(item.command)) ?? 0) + 1);

    const listing = await browse(parseBrowse(['--endpoint', aws.s3Endpoint, '--bucket', aws.bucket])!);
    for (const [command, count] of expected) {
      expect(listing.out).toMatch(new RegExp(`command=${command}/\\s+1\\s+${count}\\n`));
    }
    expect(listing.out).toContain(`Total: ${expected.size} command folders, ${expected.size} objects, ${kept.length} events.`);

    // --date (and --hour) without --command narrow the listing, and its heading says so.
    const day = await browse(parseBrowse(['--endpoint', aws.s3Endpoint, '--bucket', aws.bucket, '--date', '2026-11-21', '--hour', '12'])!);
    expect(day.out.split('\n')[0]).toBe(`Audit log in bucket ${aws.bucket} at ${aws.s3Endpoint}, only 2026-11-21 hour 12 (UTC):`);
    expect(day.out).toContain(`Total: ${expected.size} command folders`);
    const otherDay = await browse(parseBrowse(['--endpoint', aws.s3Endpoint, '--bucket', aws.bucket, '--command', 'select', '--hour', '3', '--date', '2026-11-22', '--format', 'ndjson'])!);
    expect(otherDay).toEqual({ out: '', note: `No events under events/command=SELECT/date=2026-11-22/hour=03/ in ${aws.bucket} at ${aws.s3Endpoint}.` });

    const table = await browse(parseBrowse(['--endpoint', aws.s3Endpoint, '--bucket', aws.bucket, '--command', 'login succeeded', '--date', '2026-11-21', '--hour', '12', '--format', 'table'])!);
    const rows = table.out.trim().split('\n');
    expect(rows[0]).toMatch(/^logTime\s+command\s+dbUserName\s+databaseName\s+class\s+objectName\s+commandText$/);
    expect(rows.slice(2)).toHaveLength(expected.get('LOGIN_SUCCEEDED') ?? 0);
    expect(rows.slice(2).every((row) => row.includes('LOGIN SUCCEEDED'))).toBe(true);

    const ndjson = await browse(parseBrowse(['--endpoint', aws.s3Endpoint, '--bucket', aws.bucket, '--command', 'SELECT', '--date', '2026-11-21'])!);
    const lines = ndjson.out.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toHaveLength(expected.get('SELECT') ?? 0);
    expect(lines.every((line) => line.command === 'SELECT' && line.instanceId === PROFILES['rds-sqlserver'].instanceId)).toBe(true);
  });

  it('mints data keys through KMS GenerateDataKey under the DAS encryption context with --kms-key-id', async () => {
    const resourceId = 'cluster-SMOKETESTABCDEFGHIJKLMNOP';
    const out = join(dir, 'through-kms.json');
    aws.kms.resetCalls();
    const plan = planEvents(['--kms-key-id', DEV_KMS_KEY_ARN, '--resource-id', resourceId, '--engine', 'aurora-mysql', '--records', '3', '--out', out])!;
    await withEnv(localHandlerEnv(aws.env), () => writeEvents(plan));
    expect(aws.kms.calls('GenerateDataKey')).toBe(1);

    const event = await readEventFile(out);
    expect((event as unknown as SampleEvent).about.kmsKey).toContain(`"aws:rds:dbc-id":"${resourceId}"`);
    expect((event as unknown as { sourceKinesisStreamArn: string }).sourceKinesisStreamArn).toMatch(new RegExp(`stream/aws-rds-das-${resourceId}$`));
    const env = localHandlerEnv(aws.env);
    const { value: outcome } = await captureOutput(() => withEnv(env, () => invokeTransformer(event, env)));
    const response = outcome.result;
    expect(response.records.map((record) => record.result)).toEqual(['Ok', 'Ok', 'Ok']);
    expect((await okEvents(response, resourceId)).every((item) => item.clusterId === resourceId)).toBe(true);
  });

  it('refuses, saying where to look, a folder that is missing or holds no local audit log yet (exit 2, as query does)', async () => {
    await expect(browse(parseBrowse(['--dir', join(dir, 'nothing-here')])!)).rejects.toThrow(
      new UsageError(`there is no folder ${join(dir, 'nothing-here')}: give --dir the folder npm run local keeps its files in (default .local/s3), or run npm start first`),
    );
    await expect(browse(parseBrowse(['--dir', dir])!)).rejects.toThrow(`no local audit log in ${join(dir, 'das-firehose-local')} yet: run npm start first`);
  });
});

function defined(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}
