import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { S3Client } from '@aws-sdk/client-s3';
import { listObjects, readEvents } from '../../../local/audit-log/reader';
import { PROFILES } from '../../../testkit/das/das-synth';
import { LocalAws, mintBatch, s3ClientFor, startLocalAws } from '../../support/local-aws';

const run = promisify(execFile);
const TSX = join(__dirname, '../../../node_modules/.bin/tsx');
const INVOKE = join(__dirname, '../../../scripts/invoke.ts');

async function invoke(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(TSX, [INVOKE, ...args], { env: { PATH: process.env.PATH!, ...env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

let aws: LocalAws;
let s3: S3Client;
let dir: string;
beforeAll(async () => {
  aws = await startLocalAws();
  s3 = s3ClientFor(aws);
  dir = await mkdtemp(join(tmpdir(), 'invoke-cli-'));
});
afterAll(async () => {
  s3.destroy();
  await aws.stop();
});

describe('npm run invoke', () => {
  it('prints only the response JSON on stdout and exits 0, even with failed records', async () => {
    const { event } = await mintBatch(aws, { engine: 'rds-sqlserver', records: 3, eventsPerRecord: 4 });
    event.records.push({ ...event.records[0]!, recordId: 'broken', data: Buffer.from('nope').toString('base64') });
    const file = join(dir, 'event.json');
    await writeFile(file, JSON.stringify(event));
    const { code, stdout, stderr } = await invoke([file], aws.env);
    expect(code).toBe(0);
    const response = JSON.parse(stdout) as { records: Array<{ recordId: string; result: string }> };
    expect(response.records.map((r) => r.result)).toEqual(['Ok', 'Ok', 'Ok', 'ProcessingFailed']);
    expect(stderr).toContain('record failed');
  });

  it('writes the Ok records under firehose/ok/ as Firehose would, and nothing there with --transform-only', async () => {
    const { event } = await mintBatch(aws, { engine: 'rds-oracle', records: 2, eventsPerRecord: 3 });
    const file = join(dir, 'oracle.json');
    await writeFile(file, JSON.stringify(event));
    const prefix = `firehose/ok/resource=${PROFILES['rds-oracle'].resourceId}/`;
    const only = await invoke([file, '--transform-only'], aws.env);
    expect(only.code).toBe(0);
    expect(await listObjects(s3, aws.bucket, prefix)).toEqual([]);

    const { code, stderr } = await invoke([file], aws.env);
    expect(code).toBe(0);
    const objects = await listObjects(s3, aws.bucket, prefix);
    expect(objects).toHaveLength(1);
    expect(stderr).toContain(`as Firehose would, wrote the 2 Ok records to s3://${aws.bucket}/${objects[0]?.key}`);
    // Firehose's copy: a receipt per Ok record (gzip NDJSON), the events themselves being in events/.
    const { events: receipts } = await readEvents(s3, aws.bucket, objects[0]?.key as string);
    expect(receipts.map((receipt) => receipt.events)).toEqual([3, 3]);
    expect(receipts.map((receipt) => receipt.sequenceNumber)).toEqual(event.records.map((record) => record.kinesisRecordMetadata?.sequenceNumber));
  });

  it.each([
    ['no file argument', [], 'invoke: give a Firehose event file'],
    ['a missing file', ['/nonexistent/event.json'], 'invoke: cannot read event file /nonexistent/event.json: ENOENT'],
  ])('exits 2 with a clear message for %s', async (_name, args, message) => {
    const { code, stdout, stderr } = await invoke(args, aws.env);
    expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
    expect(stderr).toContain(message);
  });

  it('exits 2 for a file that is not a Firehose event, and for a missing BUCKET_NAME', async () => {
    const notEvent = join(dir, 'not-event.json');
    await writeFile(notEvent, '{"hello": 1}');
    const invalid = await invoke([notEvent], aws.env);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain('is not a Firehose data-transformation event');

    const { event } = await mintBatch(aws, { engine: 'aurora-postgresql', records: 1, eventsPerRecord: 1 });
    const file = join(dir, 'ok.json');
    await writeFile(file, JSON.stringify(event));
    const { BUCKET_NAME: _unset, ...withoutBucket } = aws.env;
    const missing = await invoke([file], withoutBucket);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('BUCKET_NAME is not set');
  });
});
