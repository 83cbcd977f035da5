import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { UsageError } from '../../../local/commands/cli';
import { DOCTOR_USAGE, parseDoctor, runDoctor } from '../../../local/commands/doctor';
import { DEV_KMS_KEY_ARN, DEV_KMS_KEY_MATERIAL } from '../../../testkit/aws/dev-key';
import { LocalKms } from '../../../testkit/aws/kms-endpoint';
import { withEnv } from '../../../testkit/aws/local-aws';
import type { LocalDatabaseSpec } from '../../../testkit/aws/rds-databases';
import { LocalRds } from '../../../testkit/aws/rds-endpoint';

describe('npm run doctor: options', () => {
  it('prints its usage for --help, with the exit codes', () => {
    expect(parseDoctor(['--help'])).toBeUndefined();
    expect(DOCTOR_USAGE).toContain('Exit codes: 0 ready (--all: listed), 1 not ready, 2 usage, 3 could not check');
  });

  it.each([
    ['nothing to check', [], 'give one of --database <identifier|ARN> or --all'],
    ['both', ['--all', '--database', 'db1'], 'give one of --database <identifier|ARN> or --all'],
    ['a name no database can have', ['--database', 'no_underscores'], '--database must be a DB cluster or DB instance identifier or ARN; got "no_underscores"'],
    ['a region that is not one', ['--all', '--region', 'moon'], '--region must be an AWS region such as us-east-1; got "moon"'],
    ['an ARN of another region than --region', ['--database', 'arn:aws:rds:eu-west-1:111122223333:cluster:a', '--region', 'us-east-1'], 'is in eu-west-1, not --region us-east-1'],
    ['an unknown option', ['--databse', 'x'], 'unknown option --databse'],
  ])('refuses %s with one line (exit 2)', (_name, argv, message) => {
    expect(() => parseDoctor(argv)).toThrow(UsageError);
    expect(() => parseDoctor(argv)).toThrow(message);
  });

  it('takes the region from an ARN', () => {
    expect(parseDoctor(['--database', 'arn:aws:rds:eu-west-1:111122223333:db:ora'])).toMatchObject({ kind: 'database', region: 'eu-west-1' });
  });
});

const AWS_MANAGED_KEY = 'arn:aws:kms:us-east-1:000000000000:key/22222222-2222-4222-8222-222222222222';
const DISABLED_KEY = 'arn:aws:kms:us-east-1:000000000000:key/33333333-3333-4333-8333-333333333333';

const DATABASES: LocalDatabaseSpec[] = [
  { identifier: 'orders', engine: 'aurora-postgresql', stream: { status: 'started', mode: 'sync', kmsKeyId: 'alias/das' } },
  { identifier: 'billing', engine: 'aurora-mysql', stream: { status: 'started' } },
  { identifier: 'erp', engine: 'oracle-ee', stream: { status: 'started' } },
  { identifier: 'crm', engine: 'sqlserver-ee', stream: { status: 'started' } },
  { identifier: 'pg-stopped', engine: 'aurora-postgresql' },
  { identifier: 'ora-starting', engine: 'oracle-ee', stream: { status: 'starting' } },
  { identifier: 'sql-stopping', engine: 'sqlserver-ee', stream: { status: 'stopping' } },
  { identifier: 'serverless', engine: 'aurora-postgresql', instanceClass: 'db.serverless' },
  { identifier: 'managed-key', engine: 'oracle-ee', stream: { status: 'started', kmsKeyId: 'alias/aws/rds' } },
  { identifier: 'disabled-key', engine: 'sqlserver-ee', stream: { status: 'started', kmsKeyId: DISABLED_KEY } },
  { identifier: 'new-class', engine: 'aurora-postgresql', instanceClass: 'db.r9g.large', stream: { status: 'started' } },
  { identifier: 'plain', engine: 'mysql' },
];

describe('npm run doctor, against the local RDS and KMS endpoints', () => {
  const kms = new LocalKms({ keys: new Map([[DEV_KMS_KEY_ARN, DEV_KMS_KEY_MATERIAL], [AWS_MANAGED_KEY, DEV_KMS_KEY_MATERIAL], [DISABLED_KEY, DEV_KMS_KEY_MATERIAL]]) });
  kms.aliases.set('alias/das', DEV_KMS_KEY_ARN);
  kms.aliases.set('alias/aws/rds', AWS_MANAGED_KEY);
  kms.awsManagedKeys.add(AWS_MANAGED_KEY);
  kms.disabledKeys.add(DISABLED_KEY);
  const rds = new LocalRds({ databases: DATABASES, kms, settlePolls: 1000 });
  let env: Record<string, string | undefined>;
  beforeAll(async () => {
    await Promise.all([kms.start(), rds.start()]);
    env = {
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_PROFILE: undefined,
      AWS_ENDPOINT_URL_RDS: rds.endpoint,
      AWS_ENDPOINT_URL_KMS: kms.endpoint,
    };
  });
  afterAll(() => Promise.all([kms.stop(), rds.stop()]));

  const doctor = async (...argv: string[]) => {
    const { exitCode, lines } = await withEnv(env, () => runDoctor(parseDoctor(argv)!));
    return { exitCode, text: lines.join('\n') };
  };

  it.each(['orders', 'billing', 'erp', 'crm'])('says %s is ready and prints the deploy command (exit 0)', async (identifier) => {
    const { exitCode, text } = await doctor('--database', identifier);
    expect(exitCode).toBe(0);
    expect(text).toContain('activity stream: started');
    expect(text).toContain(`key: ${DEV_KMS_KEY_ARN} (customer managed, Enabled)`);
    expect(text).toContain(`ready. Deploy with:\n  npx cdk deploy -c database=${rds.database(identifier).arn}`);
  });

  it('reminds that Aurora MySQL needs a route to KMS', async () => {
    expect((await doctor('--database', 'billing')).text).toContain('Aurora MySQL instances must reach KMS (an interface VPC endpoint for com.amazonaws.us-east-1.kms');
  });

  it('takes an ARN', async () => {
    expect((await doctor('--database', rds.database('erp').arn)).exitCode).toBe(0);
  });

  it.each([
    ['pg-stopped', `aws rds start-activity-stream --region us-east-1 --resource-arn arn:aws:rds:us-east-1:000000000000:cluster:pg-stopped --mode async`],
    ['pg-stopped', 'npx cdk deploy -c database=arn:aws:rds:us-east-1:000000000000:cluster:pg-stopped -c startActivityStream=true'],
    ['ora-starting', 'the activity stream is starting: wait until it is started'],
    ['sql-stopping', 'the activity stream is stopping: wait until it is stopped'],
    ['serverless', 'Aurora Serverless v2 (db.serverless) has no activity streams'],
    ['plain', 'engine mysql has no activity streams'],
    ['managed-key', `key ${AWS_MANAGED_KEY} is AWS managed: activity streams need a customer managed key`],
    ['disabled-key', `key ${DISABLED_KEY} is Disabled`],
    ['nowhere', 'No Aurora cluster or RDS instance "nowhere" in us-east-1'],
    ['orders-instance-1', 'is an instance of Aurora cluster orders'],
  ])('says %s is not ready and what to do (exit 1)', async (identifier, expected) => {
    const { exitCode, text } = await doctor('--database', identifier);
    expect(exitCode).toBe(1);
    expect(text).toMatch(/not ready: \d+ problems?/);
    expect(text).toContain(expected);
    expect(text).not.toContain('npx cdk deploy -c database=arn:aws:rds:us-east-1:000000000000:cluster:pg-stopped\n');
  });

  it('notes a class the documentation does not list, without calling it a problem', async () => {
    const { exitCode, text } = await doctor('--database', 'new-class');
    expect(exitCode).toBe(0);
    expect(text).toContain('note: class db.r9g.large is not in the documented list for Aurora PostgreSQL');
  });

  it('could not check when AWS refuses or fails (exit 3), and says why', async () => {
    rds.failNext({ code: 'AccessDenied', status: 403, message: 'User is not authorized to perform: rds:DescribeDBClusters' });
    expect(await doctor('--database', 'orders')).toEqual({ exitCode: 3, text: 'could not check: AWS refused: AccessDenied: User is not authorized to perform: rds:DescribeDBClusters' });
  });

  it('could not check without a region (exit 3)', async () => {
    const noRegion = { ...env, AWS_REGION: undefined, AWS_DEFAULT_REGION: undefined, AWS_CONFIG_FILE: join(tmpdir(), 'no-such-aws-config') };
    const { exitCode, lines } = await withEnv(noRegion, () => runDoctor(parseDoctor(['--all'])!));
    expect({ exitCode, lines }).toEqual({ exitCode: 3, lines: ['could not check: no AWS region: give --region, or set AWS_REGION'] });
  });

  it('lists the region\'s databases with their activity stream status (--all, exit 0)', async () => {
    const { exitCode, text } = await doctor('--all');
    expect(exitCode).toBe(0);
    expect(text).toMatch(/^Databases in us-east-1:\nKIND +IDENTIFIER +ENGINE +ACTIVITY STREAM/);
    expect(text).toMatch(/cluster +orders +aurora-postgresql 16\.4 +started \(sync\)/);
    expect(text).toMatch(/instance +erp +oracle-ee 19\.\S+ +started \(async\)/);
    expect(text).toMatch(/cluster +pg-stopped +aurora-postgresql 16\.4 +stopped/);
    expect(text).toMatch(/instance +plain +mysql 8\.0\.40 +none: engine mysql has no activity streams/);
    // Aurora instances stream through their cluster: listed once, as the cluster.
    expect(text).not.toContain('orders-instance-1');
  });
});
