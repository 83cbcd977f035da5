import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Duration } from 'aws-cdk-lib';
import { loadConfig } from '../../../lambda/config';
import { defaultBatchBudget, defaultRecordCap, readSettings, SETTINGS, settingsEnvironment, type SettingName, type SettingValues } from '../../../lambda/settings/definitions';

const ROOT = join(__dirname, '../../..');

/** The TypeScript files under a folder of the repository, as paths from its root. */
function sourceFiles(folder: string): string[] {
  return readdirSync(join(ROOT, folder), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => join(folder, file));
}

/** A value of each setting other than its default, as a construct or the app would give it. */
const SAMPLE: Required<SettingValues> = {
  bucketName: 'my-audit-bucket',
  resourceId: 'cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ',
  kmsKeys: { byResource: new Map([['cluster-A', 'arn:aws:kms:us-east-1:123456789012:key/a'], ['db-B', 'arn:aws:kms:us-east-1:123456789012:key/b']]) },
  dropClasses: ['READ'],
  dropCommands: ['CONNECT', 'DISCONNECT'],
  dropUsers: ['rdsadmin'],
  maxDecompressedBytes: 1_000_000,
  maxEventsPerRecord: 5_000,
  maxBatchDecompressedBytes: 50_000_000,
  dataKeyCacheSize: 7,
  dataKeyCacheTtlSeconds: 60,
  s3Concurrency: 8,
  sdkConnectionTimeoutMs: 1_000,
  sdkRequestTimeoutMs: 2_000,
  decryptFastPath: false,
  logLevel: 'WARN',
  metricsNamespace: 'Audit',
  alertsDisabled: ['failed-login'],
  privilegedUsers: ['Admin'],
  alertCustomRules: [{ id: 'audit-touched', severity: 'HIGH', description: 'd', when: { field: 'objectName', startsWith: ['audit.'] } }],
  alertSqlTextChars: 200,
  alertEventBus: 'arn:aws:events:us-east-1:123456789012:event-bus/alerts',
  securityHub: true,
  databaseArns: { 'cluster-A': 'arn:aws:rds:us-east-1:123456789012:cluster:orders' },
  sweepMinAgeSeconds: 0,
};

describe('the settings contract', () => {
  it('reads back every setting it writes: values → environment → values', () => {
    const environment = settingsEnvironment(SAMPLE);
    expect(Object.keys(environment)).toHaveLength(Object.keys(SETTINGS).length);
    expect(readSettings(environment)).toEqual(SAMPLE);
  });

  it('leaves a setting at its default unset, and reads an empty environment as the defaults', () => {
    const defaults = readSettings({});
    expect(settingsEnvironment({ decryptFastPath: defaults.decryptFastPath, dropUsers: defaults.dropUsers })).toEqual({});
    expect(loadConfig({ ...settingsEnvironment(SAMPLE) })).toMatchObject({ bucketName: 'my-audit-bucket', s3Concurrency: 8, decryptFastPath: false });
  });

  it.each(Object.keys(SETTINGS) as SettingName[])('documents %s with a description and an example that reads', (name) => {
    const setting = SETTINGS[name];
    expect(setting.description.length).toBeGreaterThan(10);
    expect(() => setting.read({ [setting.env]: setting.example })).not.toThrow();
  });

  it('spells each setting\'s environment variable in one source file of the product and its local tools', () => {
    const files = ['bin', 'lib', 'lambda'].flatMap((folder) => sourceFiles(folder)).concat('testkit/aws/local-env.ts');
    const spelled = Object.values(SETTINGS).flatMap((setting) => {
      const pattern = new RegExp(`(?<![A-Z_])${setting.env}(?![A-Z_])`);
      const where = files.filter((file) => pattern.test(readFileSync(join(ROOT, file), 'utf8')));
      return where.length === 1 ? [] : [`${setting.env}: ${where.join(', ')}`];
    });
    expect(spelled).toEqual([]);
  });

  it('gives durations and sizes the construct takes as plain numbers (no token leaks into the environment)', () => {
    const environment = settingsEnvironment({ sdkRequestTimeoutMs: Duration.seconds(5).toMilliseconds() });
    expect(environment).toEqual({ SDK_REQUEST_TIMEOUT_MS: '5000' });
  });

  // The sizes `npm run memory` measured (docs/performance.md, "Memory: the worst batches").
  it.each([
    [128, 4, 16],
    [512, 16, 64],
    [1024, 48, 192],
    [1280, 64, 256],
    [1769, 64, 378.25],
    [10240, 64, 2496],
  ])('at %i MB of memory a record may expand to %s MiB and a batch hold %s MiB', (memoryMb, recordMiB, batchMiB) => {
    const env = { AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(memoryMb) };
    expect(defaultRecordCap(env) / 2 ** 20).toBe(recordMiB);
    expect(defaultBatchBudget(env) / 2 ** 20).toBe(batchMiB);
    // A batch can always hold at least one record at the cap.
    expect(defaultBatchBudget(env)).toBeGreaterThanOrEqual(defaultRecordCap(env));
  });
});
