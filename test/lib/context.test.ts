import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { ContextError, settingsFromContext } from '../../lib/context';
import { DasFirehoseStack } from '../../lib/das-firehose-stack';
import { INSTANCE_STREAM_ARN, KEY_ARN, OTHER_KEY_ARN, REPO_ROOT, STREAM_ARN } from './synth-app';

const settings = (context: Record<string, unknown>) => settingsFromContext(new App({ context }).node);

/**
 * The ContextError message the app gives for this context, as bin/app.ts builds it: the context's own
 * parsing first, then the construct's checks reported under the context keys' names.
 */
function contextError(context: Record<string, unknown>): string {
  try {
    const app = new App({ context: { ...context, 'aws:cdk:bundling-stacks': [] } });
    new DasFirehoseStack(app, 'DasFirehose', { settings: settingsFromContext(app.node) });
  } catch (error) {
    expect(error).toBeInstanceOf(ContextError);
    return (error as Error).message;
  }
  throw new Error('expected a ContextError');
}

describe('settingsFromContext', () => {
  it('names dasStreamArn and kmsKeyArn and shows an example command when both are missing', () => {
    const message = contextError({});
    expect(message).toContain('dasStreamArn is missing');
    expect(message).toContain('kmsKeyArn is missing');
    expect(message).toContain(`npx cdk synth -c dasStreamArn=${STREAM_ARN} -c kmsKeyArn=arn:aws:kms:us-east-1:123456789012:key/`);
  });

  it('names kmsKeyArn alone when only the key is missing', () => {
    const message = contextError({ dasStreamArn: STREAM_ARN });
    expect(message).toContain('kmsKeyArn is missing');
    expect(message).not.toContain('dasStreamArn is missing');
    expect(message).toContain('npx cdk synth -c dasStreamArn=');
  });

  it('rejects a dasStreamArn that is not a Kinesis stream ARN', () => {
    expect(contextError({ dasStreamArn: 'aws-rds-das-cluster-ABC', kmsKeyArn: KEY_ARN })).toContain(
      'dasStreamArn "aws-rds-das-cluster-ABC" is not a Kinesis stream ARN',
    );
  });

  it('rejects a stream name without a resource ID unless resourceId is given', () => {
    const renamed = 'arn:aws:kinesis:us-east-1:123456789012:stream/my-stream';
    expect(contextError({ dasStreamArn: renamed, kmsKeyArn: KEY_ARN })).toContain(
      'dasStreamArn: cannot tell the resource ID from the stream name "my-stream" (expected aws-rds-das-<resourceId>); give its resourceId',
    );
    expect(settings({ dasStreamArn: renamed, kmsKeyArn: KEY_ARN, resourceId: 'cluster-ABC' }).activityStreams).toEqual([
      { streamArn: renamed, keyArn: KEY_ARN, resourceId: 'cluster-ABC' },
    ]);
  });

  it('asks for the key ARN when given an alias ARN', () => {
    expect(
      contextError({ dasStreamArn: STREAM_ARN, kmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:alias/das' }),
    ).toContain('is an alias ARN');
  });

  it('rejects a key in another region than its stream', () => {
    expect(
      contextError({ dasStreamArn: STREAM_ARN, kmsKeyArn: KEY_ARN.replace('us-east-1', 'eu-west-1') }),
    ).toContain('is in eu-west-1 but its stream');
  });

  it('accepts comma lists with one key for all streams', () => {
    const result = settings({ dasStreamArn: `${STREAM_ARN}, ${INSTANCE_STREAM_ARN}`, kmsKeyArn: KEY_ARN });
    expect(result.activityStreams).toEqual([
      { streamArn: STREAM_ARN, keyArn: KEY_ARN },
      { streamArn: INSTANCE_STREAM_ARN, keyArn: KEY_ARN },
    ]);
    expect(result.region).toBe('us-east-1');
  });

  it('pairs one key per stream, in order', () => {
    const result = settings({ dasStreamArn: `${STREAM_ARN},${INSTANCE_STREAM_ARN}`, kmsKeyArn: `${KEY_ARN},${OTHER_KEY_ARN}` });
    expect(result.activityStreams.map((stream) => stream.keyArn)).toEqual([KEY_ARN, OTHER_KEY_ARN]);
  });

  it('accepts lists and numbers from cdk.json', () => {
    const result = settings({ dasStreamArn: [STREAM_ARN], kmsKeyArn: [KEY_ARN], expireAfterDays: 400, dropUsers: ['rdsadmin'] });
    expect(result.expireAfterDays).toBe(400);
    expect(result.dropUsers).toEqual(['rdsadmin']);
  });

  it('rejects a key list that does not match the streams', () => {
    const arn3 = STREAM_ARN.replace('ABCDEFGHIJKL', 'ZZZZZZZZZZZZ');
    expect(
      contextError({ dasStreamArn: `${STREAM_ARN},${INSTANCE_STREAM_ARN},${arn3}`, kmsKeyArn: `${KEY_ARN},${OTHER_KEY_ARN}` }),
    ).toContain('kmsKeyArn lists 2 keys for 3 dasStreamArn streams');
  });

  it('rejects streams in several regions, and the same stream twice', () => {
    const west = 'arn:aws:kinesis:eu-west-1:123456789012:stream/aws-rds-das-cluster-WEST';
    expect(contextError({ dasStreamArn: `${STREAM_ARN},${west}`, kmsKeyArn: `${KEY_ARN},${KEY_ARN}` })).toContain('several regions');
    expect(contextError({ dasStreamArn: `${STREAM_ARN},${STREAM_ARN}`, kmsKeyArn: KEY_ARN })).toContain(
      'The activity stream of cluster-ABCDEFGHIJKL is listed twice',
    );
  });

  it('allows resourceId only with a single stream', () => {
    expect(
      contextError({ dasStreamArn: `${STREAM_ARN},${INSTANCE_STREAM_ARN}`, kmsKeyArn: KEY_ARN, resourceId: 'cluster-ABCDEFGHIJKL' }),
    ).toContain('A resource ID can only be given with a single activity stream');
  });

  it('validates the optional settings', () => {
    const base = { dasStreamArn: STREAM_ARN, kmsKeyArn: KEY_ARN };
    expect(contextError({ ...base, expireAfterDays: 'soon' })).toContain('expireAfterDays must be a positive whole number');
    expect(contextError({ ...base, expireAfterDays: '60' })).toContain('expireAfterDays (60 days) must be longer than transitionAfterDays (90 days)');
    expect(contextError({ ...base, objectLockMode: 'GOVERNANCE' })).toContain('objectLockMode needs objectLockDays');
    expect(contextError({ ...base, objectLockDays: '30', objectLockMode: 'strict' })).toContain('GOVERNANCE or COMPLIANCE');
    expect(contextError({ ...base, logRetentionDays: '42' })).toContain('logRetentionDays must be one of');
    expect(contextError({ ...base, functionMemoryMb: '64' })).toContain('functionMemoryMb must be a whole number of MB from 512 to 10240');
    expect(contextError({ ...base, logLevel: 'chatty' })).toContain('logLevel must be one of');
    expect(contextError({ ...base, alarmEmail: 'nobody' })).toContain('is not an e-mail address');
    expect(
      contextError({ ...base, alarmEmail: 'a@example.com', alarmTopicArn: 'arn:aws:sns:us-east-1:123456789012:t' }),
    ).toContain('not both');
  });

  it('refuses a context key it does not know, naming the key that was meant', () => {
    const base = { dasStreamArn: STREAM_ARN, kmsKeyArn: KEY_ARN };
    expect(contextError({ ...base, alarmemail: 'dba@example.com' })).toContain('Unknown context key "alarmemail": did you mean alarmEmail?');
    expect(contextError({ ...base, dropuser: 'rdsadmin' })).toContain('Unknown context key "dropuser": did you mean dropUsers?');
    expect(contextError({ ...base, retention: '30' })).toContain('Unknown context key "retention": this app reads database, startActivityStream');
  });

  it("leaves CDK's own context alone (feature flags, aws:cdk:… keys, cli-telemetry)", () => {
    const result = settings({
      dasStreamArn: STREAM_ARN,
      kmsKeyArn: KEY_ARN,
      '@aws-cdk/aws-s3:createDefaultLoggingPolicy': true,
      'aws:cdk:enable-path-metadata': true,
      'cli-telemetry': false,
      'acknowledged-issue-numbers': [1],
    });
    expect(result.activityStreams).toHaveLength(1);
  });

  it('defaults Object Lock to governance mode', () => {
    expect(settings({ dasStreamArn: STREAM_ARN, kmsKeyArn: KEY_ARN, objectLockDays: '30' }).objectLock).toEqual({
      mode: 'GOVERNANCE',
      days: 30,
    });
  });
});

describe('bin/app.ts', () => {
  it('exits 1 with the context message, not a stack trace, when synthesized without context', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'das-firehose-cdk-out-'));
    const env: NodeJS.ProcessEnv = { ...process.env, CDK_OUTDIR: outdir };
    delete env.CDK_CONTEXT_JSON;
    const result = spawnSync(process.execPath, [require.resolve('tsx/cli'), 'bin/app.ts'], {
      cwd: REPO_ROOT,
      env,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('dasStreamArn is missing');
    expect(result.stderr).toContain('kmsKeyArn is missing');
    expect(result.stderr).toContain('npx cdk synth -c dasStreamArn=');
    expect(result.stderr).not.toMatch(/^\s+at /m);
    fs.rmSync(outdir, { recursive: true, force: true });
  });
});
