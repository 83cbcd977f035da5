import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { LocalAws, mintBatch, startLocalAws } from '../../support/local-aws';

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
let dir: string;
beforeAll(async () => {
  aws = await startLocalAws();
  dir = await mkdtemp(join(tmpdir(), 'invoke-cli-'));
});
afterAll(() => aws.stop());

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

  it.each([
    ['no file argument', [], 'Give a Firehose event file'],
    ['a missing file', ['/nonexistent/event.json'], 'Cannot read event file /nonexistent/event.json: ENOENT'],
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
