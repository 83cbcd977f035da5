import { createServer, type AddressInfo } from 'node:net';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { LambdaClient, InvokeCommand } from '@aws-sdk/client-lambda';
import { loadConfig } from '../../../lambda/config';
import { ConfigError } from '../../../lambda/core/shared/errors';
import { CommandError, errorReport, helpRequested, parseOptions, settingsError, settingsProblems, UsageError } from '../../../local/commands/cli';
import { refusedConnection, serversDownMessage } from '../../../local/commands/servers-down';

const OPTIONS = {
  seed: { type: 'string' },
  out: { type: 'string' },
  param: { type: 'string', multiple: true },
  'dry-run': { type: 'boolean' },
  help: { type: 'boolean' },
} as const;

const parse = (argv: string[], positionals = false) => parseOptions(argv, OPTIONS, 'fuzz', { positionals });

describe('parseOptions', () => {
  it('reads options, repeated ones in order, values that start with a minus, and positionals where allowed', () => {
    expect(parse(['--seed', '-3', '--param', 'a=1', '--param=b=2', '--dry-run'])).toEqual({
      values: { seed: '-3', param: ['a=1', 'b=2'], 'dry-run': true },
      positionals: [],
    });
    expect(parse(['SELECT 1', '--out', 'x.json', '--', '--not-an-option'], true).positionals).toEqual(['SELECT 1', '--not-an-option']);
  });

  it('lets --help (or -h) win over anything else, so a command given it never does its work', () => {
    expect(parse(['--bogus', '--seed', '--help']).values).toEqual({ help: true });
    expect(parse(['-h', 'stray']).values).toEqual({ help: true });
    expect(helpRequested(['--', '--help'])).toBe(false);
  });

  it.each([
    [['--bogus'], 'unknown option --bogus'],
    [['--bogus=1', '--seed', '2'], 'unknown option --bogus'],
    [['-x'], 'unknown option -x'],
    [['--seed'], '--seed needs a value'],
    [['--out', '--seed', '3'], '--out needs a value; got the option --seed'],
    [['--dry-run=yes'], '--dry-run takes no value; got "--dry-run=yes"'],
    [['--seed', '1', '--seed', '2'], '--seed is given twice; give it once'],
    [['stray'], 'unexpected argument "stray": fuzz takes options only'],
  ])('refuses %j in words of its own, never Node\'s parser text', (argv, message) => {
    expect(() => parse(argv)).toThrow(new UsageError(message));
  });
});

describe('errorReport (what runMain prints, and the exit code)', () => {
  it('prints a usage problem on one line pointing at --help, exit 2', () => {
    expect(errorReport('fuzz', new UsageError('unknown option --bogus'), {})).toEqual({
      lines: ['fuzz: unknown option --bogus. See npm run fuzz -- --help'],
      exitCode: 2,
    });
    expect(errorReport('start', new UsageError('which day?'), {}).lines).toEqual(['start: which day? See npm start -- --help']);
    expect(errorReport('query', new UsageError('give SQL. See npm run query -- --help'), {}).lines).toEqual(['query: give SQL. See npm run query -- --help']);
  });

  it('prints each of the settings\' problems on its own line, exit 2, without pointing at --help', () => {
    let error: unknown;
    try {
      loadConfig({ BUCKET_NAME: 'b', ALERTS_DISABLED: 'nope', ALERT_CUSTOM_RULES: '[{"id":"X","severity":"bad"},{"id":"ok-rule","foo":1}]' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { lines, exitCode } = errorReport('invoke', settingsError(error as ConfigError), {});
    expect(exitCode).toBe(2);
    expect(lines[0]).toMatch(/^invoke: ALERTS_DISABLED names no built-in rule: nope; the built-in rules are .*\.$/);
    expect(lines.slice(1).every((line) => /^invoke: ALERT_CUSTOM_RULES\[[01]\][ .]/.test(line))).toBe(true);
    expect(lines.filter((line) => line.startsWith('invoke: ALERT_CUSTOM_RULES[0]'))).toHaveLength(4);
    expect(lines).toContain('invoke: ALERT_CUSTOM_RULES[1] has an unknown key "foo" (rules have id, description, severity, engines, when)');
    expect(lines.join('\n')).not.toContain('--help');
  });

  it('does not split a problem at a variable named in its example', () => {
    const problem = `ALERT_CUSTOM_RULES is not JSON: give a JSON array of rules, e.g. ALERT_CUSTOM_RULES='[{"id":"a"}]'`;
    expect(settingsProblems(problem)).toEqual([problem]);
    expect(settingsProblems(`BUCKET_NAME is not set: the bucket, e.g. BUCKET_NAME=my-audit-bucket`)).toHaveLength(1);
  });

  it('prints a failure with its name, or a CommandError alone, on one line, exit 1', () => {
    const bug = new TypeError('x is undefined\n    at somewhere (file.ts:1:1)');
    expect(errorReport('bench', bug, {})).toEqual({ lines: ['bench: failed: TypeError: x is undefined'], exitCode: 1 });
    expect(errorReport('query', new CommandError('the SQL failed: syntax error'), {})).toEqual({ lines: ['query: the SQL failed: syntax error'], exitCode: 1 });
  });
});

/** A loopback port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('a refused connection to the local servers', () => {
  const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

  it('is recognised in what the SDK v3 throws, and said as the local servers being down, naming the variable', async () => {
    const port = await closedPort();
    const endpoint = `http://127.0.0.1:${port}`;
    const s3 = new S3Client({ endpoint, region: 'us-east-1', credentials, forcePathStyle: true, maxAttempts: 1 });
    const error = await s3.send(new GetObjectCommand({ Bucket: 'b', Key: 'k' })).then(() => undefined, (caught: unknown) => caught);
    s3.destroy();
    expect(refusedConnection(error)).toEqual({ address: '127.0.0.1', port });
    const env = { AWS_ENDPOINT_URL_S3: endpoint, AWS_ENDPOINT_URL_KMS: 'http://127.0.0.1:1' };
    expect(errorReport('invoke', error, env)).toEqual({
      lines: [
        `invoke: nothing answers at 127.0.0.1:${port} (AWS_ENDPOINT_URL_S3): the local servers seem to be down. ` +
          'Start them with npm run local in another shell, then paste the export lines it prints into this one',
      ],
      exitCode: 1,
    });
  });

  it('is recognised through localhost, under a CommandError that keeps it as its cause, and in a message-only report', async () => {
    const port = await closedPort();
    const lambda = new LambdaClient({ endpoint: `http://localhost:${port}`, region: 'us-east-1', credentials, maxAttempts: 1 });
    const error = await lambda.send(new InvokeCommand({ FunctionName: 'f' })).then(() => undefined, (caught: unknown) => caught);
    lambda.destroy();
    const wrapped = new CommandError('cannot invoke the replay function f', { cause: error });
    const [line] = errorReport('replay', wrapped, { AWS_ENDPOINT_URL_LAMBDA: `http://localhost:${port}` }).lines;
    expect(line).toMatch(new RegExp(`^replay: nothing answers at (127\\.0\\.0\\.1|\\[::1\\]):${port} \\(AWS_ENDPOINT_URL_LAMBDA\\): the local servers seem to be down\\.`));
    expect(serversDownMessage(new Error(`listing the error output failed: Error: connect ECONNREFUSED 127.0.0.1:${port}`), {})).toContain(
      `nothing answers at 127.0.0.1:${port}: the local servers seem to be down`,
    );
  });

  it('is not said for a remote endpoint or another kind of error', () => {
    const remote = Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:443'), { code: 'ECONNREFUSED', address: '10.0.0.5', port: 443 });
    expect(serversDownMessage(remote, {})).toBeUndefined();
    expect(serversDownMessage(new Error('AccessDenied'), { AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:4569' })).toBeUndefined();
  });
});
