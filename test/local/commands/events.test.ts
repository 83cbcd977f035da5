import { execFile } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DEV_KMS_KEY_ARN } from '../../../testkit/aws/dev-key';
import { planEvents, writeEvents } from '../../../local/commands/events';
import { UsageError } from '../../../local/commands/cli';
import { readEventFile } from '../../../local/commands/invoke';
import { MALFORMED_KINDS, SAMPLES, type SampleEvent } from '../../../testkit/das/sample-events';

const run = promisify(execFile);
const ROOT = join(__dirname, '../../..');
const TSX = join(ROOT, 'node_modules/.bin/tsx');

describe('the committed sample events', () => {
  it.each(Object.keys(SAMPLES))('%s is a Firehose event invoke accepts, and says it is sealed with the local development key', async (name) => {
    const path = join(ROOT, 'events', name);
    const event = (await readEventFile(path)) as unknown as SampleEvent;
    expect(event.about.kmsKey).toContain(`LOCAL DEVELOPMENT KEY ${DEV_KMS_KEY_ARN}`);
    expect(event.about.madeWith).toContain(`--out events/${name}`);
    expect(event.records).toHaveLength(SAMPLES[name]!.records);
  });

  it('regenerate with the same record IDs, data keys and about field, so only ciphertext changes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'das-samples-'));
    await writeEvents(planEvents([], dir)!);
    for (const name of Object.keys(SAMPLES)) {
      const committed = JSON.parse(await readFile(join(ROOT, 'events', name), 'utf8')) as SampleEvent;
      const fresh = JSON.parse(await readFile(join(dir, name), 'utf8')) as SampleEvent;
      expect(fresh.records.map((record) => record.recordId)).toEqual(committed.records.map((record) => record.recordId));
      expect(fresh.about).toEqual({ ...committed.about, madeWith: committed.about.madeWith.replace('events/', `${dir}/`) });
    }
  });

  it('mix good records with one of every malformed kind', async () => {
    const event = (await readEventFile(join(ROOT, 'events/mixed-malformed.json'))) as unknown as SampleEvent;
    expect(event.about.malformed.map((item) => item.kind)).toEqual([...MALFORMED_KINDS]);
  });
});

describe('npm run events options', () => {
  it('writes one file with the options given, to .local/events/<engine>.json unless --out says otherwise', () => {
    const plan = planEvents(['--engine', 'rds-oracle', '--records', '3', '--heartbeat-share', '0.5'])!;
    expect(plan.files).toHaveLength(1);
    expect(plan.files[0]).toMatchObject({
      path: join('.local', 'events', 'rds-oracle.json'),
      spec: { engine: 'rds-oracle', records: 3, eventsPerRecord: 25, heartbeatShare: 0.5, malformedShare: 0 },
    });
  });

  it.each([
    [['--engine', 'mongodb'], '--engine must be one of aurora-postgresql, aurora-mysql, rds-oracle, rds-sqlserver'],
    [['--records', '0'], '--records must be a whole number from 1 to 100000; got "0"'],
    [['--heartbeat-share', '2'], '--heartbeat-share must be a number from 0 to 1'],
    [['--kms-key-id', 'arn:aws:kms:eu-west-1:111122223333:key/x'], '--kms-key-id needs --resource-id'],
    [['--resource-id', 'my-cluster'], '--resource-id must be an Aurora cluster resource ID (cluster-…) or an RDS instance resource ID (db-…)'],
    [['--engine', 'aurora-mysql', '--resource-id', 'db-ABC'], 'aurora-mysql streams per cluster: give --resource-id cluster-…'],
    [['--recods', '3'], 'unknown option --recods'],
  ])('refuses %j with a clear message', (argv, message) => {
    expect(() => planEvents(argv)).toThrow(UsageError);
    expect(() => planEvents(argv)).toThrow(message);
  });

  it('exits 2 for a bad option and 0 with usage for --help', async () => {
    const bad = await run(TSX, [join(ROOT, 'scripts/events.ts'), '--malformed-share', 'lots']).catch((error: unknown) => error as { code: number; stdout: string; stderr: string });
    expect(bad).toMatchObject({ code: 2, stdout: '' });
    expect((bad as { stderr: string }).stderr).toContain('events: --malformed-share must be a number from 0 to 1, e.g. 0.25; got "lots"');

    const help = await run(TSX, [join(ROOT, 'scripts/events.ts'), '--help']);
    expect(help.stdout).toContain('Usage: npm run events -- [options]');
  });
});
