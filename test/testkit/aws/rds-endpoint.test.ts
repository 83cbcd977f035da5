import { request } from 'node:http';
import {
  DBClusterNotFoundFault,
  DBInstanceNotFoundFault,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  KMSKeyNotAccessibleFault,
  RDSClient,
  StartActivityStreamCommand,
  StopActivityStreamCommand,
} from '@aws-sdk/client-rds';
import { DEV_KMS_KEY_ARN, DEV_KMS_KEY_MATERIAL } from '../../../testkit/aws/dev-key';
import { LocalKms } from '../../../testkit/aws/kms-endpoint';
import { LocalRds } from '../../../testkit/aws/rds-endpoint';
import type { LocalDatabaseSpec } from '../../../testkit/aws/rds-databases';

/**
 * The local RDS endpoint must refuse what RDS refuses for the calls this project makes, or the handler
 * and the doctor could pass on requests AWS would reject. Every case goes through the real @aws-sdk/client-rds.
 */
const WEST_KEY = 'arn:aws:kms:eu-west-1:000000000000:key/11111111-1111-4111-8111-111111111111';
const AWS_MANAGED_KEY = 'arn:aws:kms:us-east-1:000000000000:key/22222222-2222-4222-8222-222222222222';

const DATABASES: LocalDatabaseSpec[] = [
  { identifier: 'pg', engine: 'aurora-postgresql', stream: { status: 'started', mode: 'sync' } },
  { identifier: 'my', engine: 'aurora-mysql' },
  { identifier: 'ora', engine: 'oracle-ee' },
  { identifier: 'sql', engine: 'sqlserver-ee', stream: { status: 'started' } },
  { identifier: 'pg-starting', engine: 'aurora-postgresql', stream: { status: 'starting' } },
  { identifier: 'ora-stopping', engine: 'oracle-ee', stream: { status: 'stopping' } },
  { identifier: 'old-mysql', engine: 'aurora-mysql', engineVersion: '5.7.mysql_aurora.2.10.2' },
  { identifier: 'serverless', engine: 'aurora-postgresql', instanceClass: 'db.serverless' },
  { identifier: 'small', engine: 'oracle-ee', instanceClass: 'db.t3.medium' },
  { identifier: 'plain-pg', engine: 'postgres' },
  { identifier: 'rebooting', engine: 'sqlserver-ee', status: 'rebooting' },
  { identifier: 'west', engine: 'aurora-postgresql', region: 'eu-west-1' },
];

describe('the local RDS endpoint', () => {
  const kms = new LocalKms({ keys: new Map([[DEV_KMS_KEY_ARN, DEV_KMS_KEY_MATERIAL], [WEST_KEY, DEV_KMS_KEY_MATERIAL], [AWS_MANAGED_KEY, DEV_KMS_KEY_MATERIAL]]) });
  kms.aliases.set('alias/das', DEV_KMS_KEY_ARN);
  kms.aliases.set('alias/aws/rds', AWS_MANAGED_KEY);
  kms.awsManagedKeys.add(AWS_MANAGED_KEY);
  let rds: LocalRds;
  let client: RDSClient;
  beforeEach(async () => {
    rds = new LocalRds({ databases: DATABASES, kms });
    client = new RDSClient({ endpoint: await rds.start(), region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 1 });
  });
  afterEach(async () => {
    client.destroy();
    await rds.stop();
  });

  const refusal = (promise: Promise<unknown>) => promise.then(() => 'accepted', (error: Error) => error.name);
  const arn = (identifier: string) => rds.database(identifier).arn;
  const start = (identifier: string, extra: { Mode?: 'sync' | 'async'; KmsKeyId?: string } = {}) =>
    client.send(new StartActivityStreamCommand({ ResourceArn: arn(identifier), Mode: 'async', KmsKeyId: DEV_KMS_KEY_ARN, ApplyImmediately: true, ...extra }));
  const clusterStream = async (identifier: string) => (await client.send(new DescribeDBClustersCommand({ DBClusterIdentifier: identifier }))).DBClusters?.[0]?.ActivityStreamStatus;
  const instanceStream = async (identifier: string) => (await client.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: identifier }))).DBInstances?.[0]?.ActivityStreamStatus;

  it('describes an Aurora cluster as RDS does: ARN, cluster- resource ID, stream name, mode and key', async () => {
    const { DBClusters } = await client.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'PG' }));
    expect(DBClusters).toHaveLength(1);
    const cluster = DBClusters![0]!;
    expect(cluster).toMatchObject({ DBClusterIdentifier: 'pg', DBClusterArn: 'arn:aws:rds:us-east-1:000000000000:cluster:pg', Engine: 'aurora-postgresql', Status: 'available' });
    expect(cluster.DbClusterResourceId).toMatch(/^cluster-[A-Z2-7]{26}$/);
    expect(cluster).toMatchObject({ ActivityStreamStatus: 'started', ActivityStreamMode: 'sync', ActivityStreamKmsKeyId: DEV_KMS_KEY_ARN, ActivityStreamKinesisStreamName: `aws-rds-das-${cluster.DbClusterResourceId}` });
    expect(cluster.DBClusterMembers).toEqual([{ DBInstanceIdentifier: 'pg-instance-1', IsClusterWriter: true }]);
  });

  it('describes an RDS instance by identifier, ARN or DbiResourceId, and lists an Aurora writer with its cluster', async () => {
    const byName = (await client.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'sql' }))).DBInstances![0]!;
    expect(byName).toMatchObject({ DBInstanceArn: 'arn:aws:rds:us-east-1:000000000000:db:sql', Engine: 'sqlserver-ee', DBInstanceStatus: 'available', ActivityStreamStatus: 'started', ActivityStreamPolicyStatus: 'locked' });
    expect(byName.DbiResourceId).toMatch(/^db-[A-Z2-7]{26}$/);
    expect((await client.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: byName.DBInstanceArn }))).DBInstances![0]!.DBInstanceIdentifier).toBe('sql');
    expect((await client.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: byName.DbiResourceId }))).DBInstances![0]!.DBInstanceIdentifier).toBe('sql');
    const writer = (await client.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'pg-instance-1' }))).DBInstances![0]!;
    expect(writer).toMatchObject({ DBClusterIdentifier: 'pg', Engine: 'aurora-postgresql' });
    expect(writer.ActivityStreamStatus).toBeUndefined();
  });

  it('answers 404 faults for an unknown identifier, and for another region\'s ARN', async () => {
    expect(await refusal(client.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'nothing' })))).toBe(DBClusterNotFoundFault.name);
    expect(await refusal(client.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'nothing' })))).toBe(DBInstanceNotFoundFault.name);
    // Even when this region holds a database of the same name.
    const westArn = arn('west');
    rds.add({ identifier: 'west', engine: 'aurora-postgresql' });
    expect(await refusal(client.send(new DescribeDBClustersCommand({ DBClusterIdentifier: westArn })))).toBe('DBClusterNotFoundFault');
    const error = await client.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'nothing' })).catch((caught: DBInstanceNotFoundFault) => caught);
    expect(error).toMatchObject({ message: 'DBInstance nothing not found.', $metadata: { httpStatusCode: 404 } });
  });

  it('sees only the databases of the region the request is signed for', async () => {
    const west = new RDSClient({ endpoint: rds.endpoint, region: 'eu-west-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 1 });
    expect((await west.send(new DescribeDBClustersCommand({}))).DBClusters?.map((item) => item.DBClusterIdentifier)).toEqual(['west']);
    west.destroy();
    expect((await client.send(new DescribeDBClustersCommand({}))).DBClusters?.map((item) => item.DBClusterIdentifier)).not.toContain('west');
  });

  it('refuses an ARN of the other kind with RDS\'s words, and a name no database can have', async () => {
    const error = await client.send(new DescribeDBClustersCommand({ DBClusterIdentifier: arn('ora') })).catch((caught: Error) => caught);
    expect(error).toMatchObject({ name: 'InvalidParameterValue', message: expect.stringContaining('Expected type = cluster, actual type = db') });
    expect(await refusal(client.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: arn('pg') })))).toBe('InvalidParameterValue');
    expect(await refusal(client.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'no_underscores' })))).toBe('InvalidParameterValue');
    expect(await refusal(client.send(new DescribeDBClustersCommand({ MaxRecords: 10 })))).toBe('InvalidParameterValue');
    expect(await refusal(client.send(new DescribeDBClustersCommand({ Filters: [{ Name: 'colour', Values: ['blue'] }] })))).toBe('InvalidParameterValue');
  });

  it('filters by engine and pages with Marker', async () => {
    const mysql = await client.send(new DescribeDBClustersCommand({ Filters: [{ Name: 'engine', Values: ['aurora-mysql'] }] }));
    expect(mysql.DBClusters?.map((item) => item.DBClusterIdentifier)).toEqual(['my', 'old-mysql']);
    for (let index = 0; index < 25; index++) rds.add({ identifier: `many-${index}`, engine: 'oracle-ee' });
    const first = await client.send(new DescribeDBInstancesCommand({ MaxRecords: 20 }));
    expect(first.DBInstances).toHaveLength(20);
    const second = await client.send(new DescribeDBInstancesCommand({ MaxRecords: 20, Marker: first.Marker }));
    expect(second.Marker).toBeUndefined();
    expect(first.DBInstances!.length + second.DBInstances!.length).toBe(DATABASES.filter((item) => item.region === undefined).length + 25);
  });

  it.each([
    ['pg-starting', 'cluster'],
    ['my', 'cluster'],
    ['ora', 'instance'],
  ] as const)('starts %s: stopped → starting → started on the second describe, with the key as given', async (identifier, kind) => {
    const describe = kind === 'cluster' ? clusterStream : instanceStream;
    if (identifier === 'pg-starting') {
      expect([await describe(identifier), await describe(identifier)]).toEqual(['starting', 'started']);
      return;
    }
    const answer = await start(identifier, { KmsKeyId: 'alias/das' });
    expect(answer).toMatchObject({ Status: 'starting', Mode: 'async', KmsKeyId: 'alias/das', KinesisStreamName: `aws-rds-das-${rds.database(identifier).resourceId}` });
    expect([await describe(identifier), await describe(identifier)]).toEqual(['starting', 'started']);
  });

  it('stops a started stream: started → stopping → stopped, and a start can end stopped', async () => {
    expect(await client.send(new StopActivityStreamCommand({ ResourceArn: arn('sql'), ApplyImmediately: true }))).toMatchObject({ Status: 'stopping' });
    expect([await instanceStream('sql'), await instanceStream('sql')]).toEqual(['stopping', 'stopped']);
    rds.add({ identifier: 'no-route', engine: 'aurora-mysql', startEndsIn: 'stopped' });
    await start('no-route');
    expect([await clusterStream('no-route'), await clusterStream('no-route')]).toEqual(['starting', 'stopped']);
  });

  it('settles by time as well as by polls', async () => {
    rds.settlePolls = 1000;
    rds.settleMs = 0;
    await start('ora');
    expect(await instanceStream('ora')).toBe('started');
  });

  it('refuses a start or stop in the wrong state, with the case RDS uses for each kind', async () => {
    const error = await start('pg').catch((caught: Error) => caught);
    expect(error).toMatchObject({ name: 'InvalidParameterCombination', message: 'Activity Streams feature expected to be stopped, but is started' });
    const stop = await client.send(new StopActivityStreamCommand({ ResourceArn: arn('ora') })).catch((caught: Error) => caught);
    expect(stop).toMatchObject({ name: 'InvalidParameterCombination', message: 'Activity Streams feature expected to be STARTED, but is STOPPED' });
    expect(await refusal(client.send(new StopActivityStreamCommand({ ResourceArn: arn('ora-stopping') })))).toBe('InvalidDBInstanceStateFault');
    expect(await refusal(start('rebooting'))).toBe('InvalidDBInstanceStateFault');
    await start('my');
    expect(await refusal(client.send(new StopActivityStreamCommand({ ResourceArn: arn('my') })))).toBe('InvalidDBClusterStateFault');
  });

  it.each(['old-mysql', 'serverless', 'small', 'plain-pg'])('refuses to start a stream on %s, which has none', async (identifier) => {
    const error = await start(identifier).catch((caught: Error) => caught);
    expect(error).toMatchObject({ name: 'InvalidParameterCombination', message: expect.stringContaining("You can't start a database activity stream in this configuration") });
  });

  it('refuses sync mode on every engine but Aurora PostgreSQL', async () => {
    expect(await refusal(start('my', { Mode: 'sync' }))).toBe('InvalidParameterCombination');
    expect(await refusal(start('ora', { Mode: 'sync' }))).toBe('InvalidParameterCombination');
    rds.add({ identifier: 'pg2', engine: 'aurora-postgresql' });
    expect(await start('pg2', { Mode: 'sync' })).toMatchObject({ Mode: 'sync' });
  });

  it.each([
    ['an unknown key', 'arn:aws:kms:us-east-1:000000000000:key/00000000-0000-4000-8000-000000000bad'],
    ['the AWS managed aws/rds key', 'alias/aws/rds'],
    ['a key of another region', WEST_KEY],
  ])('refuses to start with %s (KMSKeyNotAccessibleFault)', async (_name, KmsKeyId) => {
    expect(await refusal(start('ora', { KmsKeyId }))).toBe(KMSKeyNotAccessibleFault.name);
  });

  it('refuses to start with a disabled key', async () => {
    kms.disabledKeys.add(DEV_KMS_KEY_ARN);
    try {
      expect(await refusal(start('ora'))).toBe('KMSKeyNotAccessibleFault');
    } finally {
      kms.disabledKeys.clear();
    }
  });

  it('refuses missing required parameters (the SDK sends them without), an unknown database and an Aurora instance', async () => {
    const missing = (input: object) => client.send(new StartActivityStreamCommand(input as never)).catch((caught: Error) => `${caught.name}: ${caught.message}`);
    expect(await missing({ ResourceArn: arn('ora'), Mode: 'async' })).toBe('MissingParameter: The request must contain the parameter KmsKeyId');
    expect(await missing({ ResourceArn: arn('ora'), KmsKeyId: DEV_KMS_KEY_ARN })).toBe('MissingParameter: The request must contain the parameter Mode');
    expect(await refusal(client.send(new StopActivityStreamCommand({} as never)))).toBe('MissingParameter');
    expect(await refusal(start('ora', { Mode: 'fast' as never }))).toBe('InvalidParameterValue');
    const unknownCluster = client.send(new StartActivityStreamCommand({ ResourceArn: 'arn:aws:rds:us-east-1:000000000000:cluster:nope', Mode: 'async', KmsKeyId: DEV_KMS_KEY_ARN }));
    expect(await refusal(unknownCluster)).toBe('DBClusterNotFoundFault');
    const unknownDb = client.send(new StopActivityStreamCommand({ ResourceArn: 'arn:aws:rds:us-east-1:000000000000:db:nope' }));
    expect(await refusal(unknownDb)).toBe('DBInstanceNotFoundFault');
    const writer = client.send(new StartActivityStreamCommand({ ResourceArn: 'arn:aws:rds:us-east-1:000000000000:db:my-instance-1', Mode: 'async', KmsKeyId: DEV_KMS_KEY_ARN }));
    expect(await refusal(writer)).toBe('InvalidParameterCombination');
  });

  it('refuses an unsigned request and an unknown action', async () => {
    const post = (body: string, headers: Record<string, string> = {}) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request(rds.endpoint, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers } }, (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        });
        req.on('error', reject);
        req.end(body);
      });
    const unsigned = await post('Action=DescribeDBClusters&Version=2014-10-31');
    expect(unsigned.status).toBe(403);
    expect(unsigned.body).toContain('<Code>MissingAuthenticationToken</Code>');
    const signed = 'AWS4-HMAC-SHA256 Credential=a/20260101/us-east-1/rds/aws4_request, SignedHeaders=host, Signature=00';
    const unknown = await post('Action=DeleteDBCluster&Version=2014-10-31', { authorization: signed });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toContain('<Code>InvalidAction</Code>');
  });

  it('answers injected faults (throttling, access denied) once each', async () => {
    rds.failNext({ code: 'AccessDenied', status: 403, message: 'User is not authorized to perform: rds:DescribeDBClusters' });
    expect(await refusal(client.send(new DescribeDBClustersCommand({})))).toBe('AccessDenied');
    await expect(client.send(new DescribeDBClustersCommand({}))).resolves.toBeDefined();
  });
});
