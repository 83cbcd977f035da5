import { createDatabaseSource, type DatabaseSourceHandlers, type DatabaseSourceRequest } from '../../lambda/database-source-handler';
import { DEV_KMS_KEY_ARN, DEV_KMS_KEY_MATERIAL } from '../../testkit/aws/dev-key';
import { LocalKms } from '../../testkit/aws/kms-endpoint';
import { withEnv } from '../../testkit/aws/local-aws';
import type { LocalDatabaseSpec } from '../../testkit/aws/rds-databases';
import { LocalRds } from '../../testkit/aws/rds-endpoint';

/**
 * The database source custom resource against the local RDS and KMS endpoints, through the real SDK
 * clients: what CloudFormation would show for every engine and activity stream state.
 */
const AWS_MANAGED_KEY = 'arn:aws:kms:us-east-1:000000000000:key/22222222-2222-4222-8222-222222222222';

const DATABASES: LocalDatabaseSpec[] = [
  { identifier: 'orders', engine: 'aurora-postgresql', stream: { status: 'started', mode: 'sync', kmsKeyId: 'alias/das' } },
  { identifier: 'billing', engine: 'aurora-mysql', stream: { status: 'started' } },
  { identifier: 'erp', engine: 'oracle-ee', stream: { status: 'started' } },
  { identifier: 'crm', engine: 'sqlserver-ee', stream: { status: 'started' } },
  { identifier: 'pg-stopped', engine: 'aurora-postgresql' },
  { identifier: 'my-stopped', engine: 'aurora-mysql' },
  { identifier: 'ora-stopped', engine: 'oracle-ee' },
  { identifier: 'sql-stopped', engine: 'sqlserver-ee' },
  { identifier: 'no-kms-route', engine: 'aurora-mysql', startEndsIn: 'stopped' },
  { identifier: 'pg-starting', engine: 'aurora-postgresql', stream: { status: 'starting' } },
  { identifier: 'ora-stopping', engine: 'oracle-ee', stream: { status: 'stopping' } },
  { identifier: 'serverless', engine: 'aurora-postgresql', instanceClass: 'db.serverless' },
  { identifier: 'plain', engine: 'postgres' },
  { identifier: 'west', engine: 'aurora-postgresql', region: 'eu-west-1', stream: { status: 'started' } },
];

describe('the database source custom resource', () => {
  const kms = new LocalKms({ keys: new Map([[DEV_KMS_KEY_ARN, DEV_KMS_KEY_MATERIAL], [AWS_MANAGED_KEY, DEV_KMS_KEY_MATERIAL]]) });
  kms.aliases.set('alias/das', DEV_KMS_KEY_ARN);
  kms.aliases.set('alias/aws/rds', AWS_MANAGED_KEY);
  kms.awsManagedKeys.add(AWS_MANAGED_KEY);
  let rds: LocalRds;
  let env: Record<string, string>;
  let logs: string[];
  let source: DatabaseSourceHandlers;

  beforeAll(async () => {
    await kms.start();
  });
  afterAll(() => kms.stop());
  beforeEach(async () => {
    rds = new LocalRds({ databases: DATABASES, kms });
    env = {
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL_RDS: await rds.start(),
      AWS_ENDPOINT_URL_KMS: kms.endpoint,
    };
    logs = [];
    source = withEnvSync(env, () => createDatabaseSource(env, { log: (message) => logs.push(message) }));
  });
  afterEach(() => rds.stop());

  const props = (Database: string, extra: Record<string, string> = {}) => ({ Database, StartActivityStream: 'false', Mode: 'async', StopOnDelete: 'false', ...extra });
  const onEvent = (request: DatabaseSourceRequest) => withEnv(env, () => source.onEvent(request));
  const isComplete = (request: DatabaseSourceRequest) => withEnv(env, () => source.isComplete(request));
  const failure = (promise: Promise<unknown>) => promise.then(() => 'succeeded', (error: Error) => `${error.name}: ${error.message}`);

  /** Create, then isComplete until it says complete (at most `polls` times), as the Provider's waiter does. */
  async function create(properties: Record<string, string>, polls = 10) {
    const { PhysicalResourceId } = await onEvent({ RequestType: 'Create', ResourceProperties: properties });
    for (let poll = 1; poll <= polls; poll++) {
      const answer = await isComplete({ RequestType: 'Create', PhysicalResourceId, ResourceProperties: properties });
      if (answer.IsComplete) return { PhysicalResourceId, Data: answer.Data, polls: poll };
    }
    throw new Error(`not complete after ${polls} polls`);
  }

  it.each([
    ['orders', 'aurora-postgresql', 'aws:rds:dbc-id', 'cluster'],
    ['billing', 'aurora-mysql', 'aws:rds:dbc-id', 'cluster'],
    ['erp', 'oracle-ee', 'aws:rds:db-id', 'db'],
    ['crm', 'sqlserver-ee', 'aws:rds:db-id', 'db'],
  ])('gives the stack the started stream of %s (%s): name, ARN, key ARN, resource ID, context key', async (identifier, engine, contextKey, type) => {
    const database = rds.database(identifier);
    const { PhysicalResourceId, Data } = await create(props(identifier));
    expect(PhysicalResourceId).toBe(`arn:aws:rds:us-east-1:000000000000:${type}:${identifier}`);
    expect(Data).toEqual({
      StreamName: `aws-rds-das-${database.resourceId}`,
      StreamArn: `arn:aws:kinesis:us-east-1:000000000000:stream/aws-rds-das-${database.resourceId}`,
      // Aurora PostgreSQL's stream was started with an alias: RDS echoes it, the stack needs the ARN.
      KeyArn: DEV_KMS_KEY_ARN,
      ResourceId: database.resourceId,
      Engine: engine,
      ContextKey: contextKey,
      DatabaseArn: database.arn,
      Mode: identifier === 'orders' ? 'sync' : 'async',
      StartedByStack: 'false',
    });
    expect(rds.calls('StartActivityStream')).toBe(0);
  });

  it('takes an ARN as well as an identifier', async () => {
    expect((await create(props(rds.database('erp').arn))).Data?.ResourceId).toBe(rds.database('erp').resourceId);
  });

  it.each(['pg-stopped', 'my-stopped', 'ora-stopped', 'sql-stopped'])('fails for %s, whose stream is stopped, saying how to start it', async (identifier) => {
    const arn = rds.database(identifier).arn;
    const message = await failure(onEvent({ RequestType: 'Create', ResourceProperties: props(identifier) }));
    expect(message).toContain('DatabaseSourceError: The activity stream of');
    expect(message).toContain(`aws rds start-activity-stream --region us-east-1 --resource-arn ${arn} --mode async --kms-key-id`);
    expect(message).toContain(`npx cdk deploy -c database=${arn} -c startActivityStream=true`);
    expect(rds.calls('StartActivityStream')).toBe(0);
  });

  it.each(['pg-stopped', 'my-stopped', 'ora-stopped', 'sql-stopped'])('starts the stream of %s when asked, and waits until it is started', async (identifier) => {
    rds.settlePolls = 3;
    const { PhysicalResourceId, Data, polls } = await create(props(identifier, { StartActivityStream: 'true', KmsKeyArn: 'alias/das' }));
    expect(polls).toBe(3);
    expect(PhysicalResourceId).toBe(`${rds.database(identifier).arn}#activity-stream-started-by-stack`);
    expect(Data).toMatchObject({ KeyArn: DEV_KMS_KEY_ARN, StartedByStack: 'true', Mode: 'async' });
    expect(rds.database(identifier)).toMatchObject({ streamStatus: 'started', streamKmsKeyId: 'alias/das' });
  });

  it('starts Aurora PostgreSQL in sync mode when asked', async () => {
    const { Data } = await create(props('pg-stopped', { StartActivityStream: 'true', KmsKeyArn: DEV_KMS_KEY_ARN, Mode: 'sync' }));
    expect(Data?.Mode).toBe('sync');
  });

  it('fails clearly when a started stream ends stopped, pointing at the RDS events and, for Aurora MySQL, the route to KMS', async () => {
    const message = await failure(create(props('no-kms-route', { StartActivityStream: 'true', KmsKeyArn: DEV_KMS_KEY_ARN })));
    expect(message).toContain('ended stopped instead of started');
    expect(message).toContain('aws rds describe-events --region us-east-1 --source-type db-cluster --source-identifier no-kms-route');
    expect(message).toContain('VPC endpoint for KMS');
  });

  it('waits for a stream that is already starting, and fails for one that is stopping', async () => {
    rds.settlePolls = 3;
    expect((await create(props('pg-starting'))).polls).toBe(2);
    expect(await failure(onEvent({ RequestType: 'Create', ResourceProperties: props('ora-stopping') }))).toContain('is stopping. Wait until it is stopped');
  });

  it.each([
    ['an unknown identifier', 'nothing-here', 'No Aurora cluster or RDS instance "nothing-here" in us-east-1'],
    ['another region\'s database', 'arn:aws:rds:eu-west-1:000000000000:cluster:west', 'is in eu-west-1, but this stack deploys to us-east-1'],
    ['an engine without activity streams', 'plain', 'engine postgres has no activity streams'],
    ['Aurora Serverless v2', 'serverless', 'Aurora Serverless v2 (db.serverless) has no activity streams'],
    ['an Aurora instance', 'orders-instance-1', 'is an instance of Aurora cluster orders: Aurora streams activity for the whole cluster. Give the cluster instead: -c database=orders'],
    ['a value that names nothing', 'arn:aws:s3:::bucket', 'Database must be a DB cluster or DB instance identifier or ARN'],
  ])('fails for %s with a message that says so', async (_name, database, expected) => {
    const message = await failure(onEvent({ RequestType: 'Create', ResourceProperties: props(database, { StartActivityStream: 'true', KmsKeyArn: DEV_KMS_KEY_ARN }) }));
    expect(message).toMatch(/^DatabaseSourceError: /);
    expect(message).toContain(expected);
  });

  it.each([
    ['sync mode on Oracle', { Mode: 'sync', KmsKeyArn: DEV_KMS_KEY_ARN }, 'asynchronous only: set activityStreamMode to async'],
    ['the AWS managed aws/rds key', { KmsKeyArn: 'alias/aws/rds' }, 'RDS cannot use KMS key alias/aws/rds'],
    ['no key', {}, 'needs a customer managed KMS key'],
  ])('refuses to start with %s, saying what to change', async (_name, extra, expected) => {
    const message = await failure(onEvent({ RequestType: 'Create', ResourceProperties: props('ora-stopped', { StartActivityStream: 'true', ...extra }) }));
    expect(message).toContain(expected);
    expect(rds.database('ora-stopped').streamStatus).toBe('stopped');
  });

  it('reports AWS refusals and failures as messages naming the step, never as raw SDK errors', async () => {
    rds.failNext({ code: 'AccessDenied', status: 403, message: 'User is not authorized to perform: rds:DescribeDBClusters' });
    expect(await failure(onEvent({ RequestType: 'Create', ResourceProperties: props('orders') }))).toBe(
      'DatabaseSourceError: Create of the database source for orders failed: AWS refused it: AccessDenied: User is not authorized to perform: rds:DescribeDBClusters',
    );
  });

  describe('on Delete', () => {
    const remove = (PhysicalResourceId: string, StopOnDelete: string) =>
      onEvent({ RequestType: 'Delete', PhysicalResourceId, ResourceProperties: props('crm', { StopOnDelete }) });

    it('leaves the stream running by default', async () => {
      const { PhysicalResourceId } = await create(props('sql-stopped', { StartActivityStream: 'true', KmsKeyArn: DEV_KMS_KEY_ARN }));
      expect(await remove(PhysicalResourceId, 'false')).toEqual({ PhysicalResourceId });
      expect(rds.calls('StopActivityStream')).toBe(0);
      expect(logs).toContain('activity stream left running');
    });

    it('stops it with StopOnDelete, when this stack started it', async () => {
      const { PhysicalResourceId } = await create(props('sql-stopped', { StartActivityStream: 'true', KmsKeyArn: DEV_KMS_KEY_ARN }));
      await remove(PhysicalResourceId, 'true');
      expect(rds.database('sql-stopped').streamStatus).toBe('stopping');
      expect(await isComplete({ RequestType: 'Delete', PhysicalResourceId })).toEqual({ IsComplete: true });
    });

    it('leaves a stream it did not start running, even with StopOnDelete', async () => {
      await remove(rds.database('crm').arn, 'true');
      expect(rds.calls('StopActivityStream')).toBe(0);
      expect(logs).toContain('activity stream left running: this stack did not start it');
    });

    it('does not block the deletion when the stream is already stopped, or the ID is a failed create\'s', async () => {
      const id = `${rds.database('ora-stopped').arn}#activity-stream-started-by-stack`;
      await expect(remove(id, 'true')).resolves.toEqual({ PhysicalResourceId: id });
      await expect(remove('AWSCDK::CustomResourceProviderFramework::CREATE_FAILED', 'true')).resolves.toBeDefined();
      expect(rds.calls('StopActivityStream')).toBe(0);
    });
  });

  describe('on Update', () => {
    it('refuses a new key or mode for a running stream, saying that stop and start are needed', async () => {
      const before = props('sql-stopped', { StartActivityStream: 'true', KmsKeyArn: DEV_KMS_KEY_ARN });
      const { PhysicalResourceId } = await create(before);
      const after = { ...before, KmsKeyArn: AWS_MANAGED_KEY };
      const message = await failure(onEvent({ RequestType: 'Update', PhysicalResourceId, ResourceProperties: after, OldResourceProperties: before }));
      expect(message).toContain('RDS cannot change the mode or key of a running activity stream');
      expect(message).toContain(`aws rds stop-activity-stream --region us-east-1 --resource-arn ${rds.database('sql-stopped').arn} --apply-immediately`);
      expect(rds.database('sql-stopped').streamStatus).toBe('started');
    });

    it('keeps the started-by-stack mark across an update that changes nothing about the stream', async () => {
      const before = props('ora-stopped', { StartActivityStream: 'true', KmsKeyArn: DEV_KMS_KEY_ARN });
      const { PhysicalResourceId } = await create(before);
      const after = { ...before, KmsKeyArn: 'alias/das', StopOnDelete: 'true' };
      expect(await onEvent({ RequestType: 'Update', PhysicalResourceId, ResourceProperties: after, OldResourceProperties: before })).toEqual({ PhysicalResourceId });
    });
  });
});

/** Builds with the endpoints' environment in place (the SDK reads AWS_ENDPOINT_URL_* when a client is made). */
function withEnvSync<T>(env: Record<string, string>, fn: () => T): T {
  const saved = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
  Object.assign(process.env, env);
  try {
    return fn();
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}
