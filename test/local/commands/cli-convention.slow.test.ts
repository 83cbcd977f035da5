import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, stat, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

/**
 * The one CLI convention, held for every npm script of ours by running it as npm runs it (tsx on
 * scripts/<name>.ts), in a folder of its own that holds a `.local/` with a file in it: `--help` exits 0
 * with the usage and touches nothing, `--bogus` exits 2 with one line that names it and points at
 * `--help`, and a refused connection to the local servers is said as such.
 */

const ROOT = join(__dirname, '../../..');
const TSX = join(ROOT, 'node_modules/tsx/dist/cli.mjs');
const SCRIPTS = ['start', 'invoke', 'events', 'browse', 'query', 'replay', 'local', 'bench', 'bench-reader', 'sizing', 'fuzz', 'differential', 'memory', 'doctor'] as const;

interface Outcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs scripts/<name>.ts with the arguments, in `cwd`, with only PATH and TMPDIR from this process. */
function runScript(name: string, args: readonly string[], cwd: string, env: Record<string, string> = {}): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [TSX, join(ROOT, 'scripts', `${name}.ts`), ...args],
      { cwd, env: { PATH: process.env.PATH ?? '', TMPDIR: tmpdir(), ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Runs the jobs a few at a time: each is a Node process loading the SDK, and the machine has two cores. */
async function limited<T>(jobs: ReadonlyArray<() => Promise<T>>, width = 4): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < jobs.length; index = next++) results[index] = await (jobs[index] as () => Promise<T>)();
  };
  await Promise.all(Array.from({ length: width }, worker));
  return results;
}

/** Every file and folder under `dir`, with its size and modification time. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const entries: Record<string, string> = {};
  for (const name of await readdir(dir, { recursive: true })) {
    const info = await stat(join(dir, name));
    entries[relative(dir, join(dir, name))] = `${info.isDirectory() ? 'dir' : info.size} ${info.mtimeMs}`;
  }
  return entries;
}

/**
 * A working folder like a checkout after npm start: an event file in `events/` (so a start that ran
 * would get as far as clearing `.local/s3`) and a local bucket with one object.
 */
async function workingFolder(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cli-convention-'));
  await mkdir(join(dir, 'events'));
  await copyFile(join(ROOT, 'events', 'aurora-mysql.json'), join(dir, 'events', 'aurora-mysql.json'));
  await mkdir(join(dir, '.local', 's3', 'das-firehose-local'), { recursive: true });
  await writeFile(join(dir, '.local', 's3', 'das-firehose-local', 'kept._S3rver_object'), 'kept');
  await writeFile(join(dir, '.local', 'start.log'), 'kept\n');
  return dir;
}

const helpPointer = (name: string) => (name === 'start' ? 'npm start -- --help' : `npm run ${name} -- --help`);

describe('every npm script of ours', () => {
  let help: Outcome[];
  let bogus: Outcome[];
  let before: Record<string, string>;
  let after: Record<string, string>;
  beforeAll(async () => {
    const dir = await workingFolder();
    before = await snapshot(dir);
    [help, bogus] = await limited([
      () => limited(SCRIPTS.map((name) => () => runScript(name, ['--help'], dir))),
      () => limited(SCRIPTS.map((name) => () => runScript(name, ['--bogus'], dir))),
    ], 2).then(([first, second]) => [first as Outcome[], second as Outcome[]]);
    after = await snapshot(dir);
  }, 240_000);

  it.each(SCRIPTS.map((name, index) => [name, index] as const))('%s --help prints the usage and exits 0', (_name, index) => {
    const outcome = help[index] as Outcome;
    expect({ code: outcome.code, stderr: outcome.stderr }).toEqual({ code: 0, stderr: '' });
    expect(outcome.stdout).toMatch(/^Usage: /);
  });

  it('changes nothing with --help or --bogus: no file under the working folder created, removed or written', () => {
    expect(after).toEqual(before);
  });

  it.each(SCRIPTS.map((name, index) => [name, index] as const))('%s --bogus exits 2 with one line naming it and pointing at --help', (name, index) => {
    const outcome = bogus[index] as Outcome;
    expect({ code: outcome.code, stdout: outcome.stdout }).toEqual({ code: 2, stdout: '' });
    expect(outcome.stderr).toBe(`${name}: unknown option --bogus. See ${helpPointer(name)}\n`);
    expect(outcome.stderr).not.toMatch(/^\s+at /m);
  });
});

describe('a command whose local servers are down', () => {
  it('says so in one line, with how to start them, instead of ECONNREFUSED', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    const dir = await workingFolder();
    const env = {
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      BUCKET_NAME: 'das-firehose-local',
    };
    const [invoke, replay] = await Promise.all([
      runScript('invoke', [join(ROOT, 'events', 'aurora-mysql.json')], dir, {
        ...env,
        AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${port}`,
        AWS_ENDPOINT_URL_KMS: `http://127.0.0.1:${port}`,
      }),
      runScript('replay', ['--function', 'das-firehose-local-replay', '--dry-run'], dir, { ...env, AWS_ENDPOINT_URL_LAMBDA: `http://localhost:${port}` }),
    ]);
    const down = 'the local servers seem to be down. Start them with npm run local in another shell, then paste the export lines it prints into this one';
    expect(invoke.code).toBe(1);
    expect(invoke.stdout).toBe('');
    // The transformer's own log lines (JSON, one per failed attempt) come first; the command's word is the last line.
    expect(invoke.stderr.trim().split('\n').pop()).toBe(`invoke: nothing answers at 127.0.0.1:${port} (AWS_ENDPOINT_URL_KMS, AWS_ENDPOINT_URL_S3): ${down}`);
    expect(invoke.stderr).not.toMatch(/^\s+at /m);
    expect(replay.code).toBe(1);
    expect(replay.stderr).toMatch(new RegExp(`^replay: nothing answers at (127\\.0\\.0\\.1|\\[::1\\]):${port} \\(AWS_ENDPOINT_URL_LAMBDA\\): ${down}\\n$`));
  }, 120_000);
});
