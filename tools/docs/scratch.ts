import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * A copy of the repository's files (tracked, and new ones git does not ignore) in a folder of its own
 * under the system's temporary folder, with `node_modules` linked to the checkout's. Commands the docs
 * show run there, so they never touch the checkout's `.local/` or `events/`.
 */
export async function scratchCopy(root: string): Promise<{ readonly dir: string; remove(): Promise<void> }> {
  const listed = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: root, encoding: 'utf8' });
  const files = listed.split('\0').filter((path) => path !== '' && path !== 'node_modules' && existsSync(join(root, path)));
  const dir = await mkdtemp(join(tmpdir(), 'docs-check-'));
  for (const path of files) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await copyFile(join(root, path), join(dir, path));
  }
  await symlink(realpathSync(join(root, 'node_modules')), join(dir, 'node_modules'), 'dir');
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * The environment commands run with: the caller's, less what would send them elsewhere or change what
 * they print (AWS settings and credentials, the transformer's settings, the npm run that started this).
 */
export function cleanEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const transformerSettings = /^(AWS_|BUCKET_NAME$|RESOURCE_ID$|KMS_KEY_ARN$|DROP_|MAX_|DATA_KEY_|S3_CONCURRENCY$|SDK_|DECRYPT_FAST_PATH$|ALERT|PRIVILEGED_USERS$|METRICS_NAMESPACE$|POWERTOOLS_|npm_|FORCE_COLOR$|CDK_)/;
  const kept = Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined && !transformerSettings.test(entry[0]));
  // The SDK's notice about Node versions depends on the date and the Node running it, not on the docs.
  return { ...Object.fromEntries(kept), NO_COLOR: '1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
}

/** What a command printed (stdout and stderr as one stream, in order) and how it ended. */
export interface CommandRun {
  readonly output: string;
  /** Output printed after Ctrl-C was pressed (empty when it was not). */
  readonly afterInterrupt: string;
  readonly exitCode: number | null;
  readonly timedOut: boolean;
  readonly seconds: number;
}

export interface RunOptions {
  readonly cwd: string;
  readonly env: Record<string, string>;
  readonly timeoutMs: number;
  /** Asked after each line of output; true presses Ctrl-C (SIGINT to the command's process group). */
  readonly interruptWhen?: (outputSoFar: string) => boolean;
}

/** Runs one shell command line in bash, as typed at a prompt, in a process group of its own. */
export function runCommand(command: string, options: RunOptions): Promise<CommandRun> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', `exec 2>&1\n${command}`], { cwd: options.cwd, env: options.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let after = '';
    let interrupted = false;
    let timedOut = false;
    const onData = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      if (interrupted) after += text;
      else output += text;
      if (!interrupted && options.interruptWhen && output.endsWith('\n') && options.interruptWhen(output)) {
        interrupted = true;
        signalGroup(child, 'SIGINT');
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    const timer = setTimeout(() => {
      timedOut = true;
      signalGroup(child, 'SIGKILL');
    }, options.timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ output, afterInterrupt: after, exitCode: code, timedOut, seconds: (Date.now() - started) / 1000 });
    });
  });
}

/** A long-running command in the background (the servers of `npm run local`), stopped with Ctrl-C. */
export interface Background {
  readonly output: () => string;
  stop(): Promise<void>;
}

/** Starts a command in the background and waits until its output says it is ready. */
export async function startBackground(command: string, options: Omit<RunOptions, 'interruptWhen'> & { readonly ready: RegExp }): Promise<Background> {
  const child = spawn('bash', ['-c', `exec 2>&1\n${command}`], { cwd: options.cwd, env: options.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`"${command}" did not say it was ready within ${options.timeoutMs} ms:\n${output}`)), options.timeoutMs);
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (options.ready.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('close', () => {
      clearTimeout(timer);
      reject(new Error(`"${command}" ended before it was ready:\n${output}`));
    });
  });
  return {
    output: () => output,
    async stop() {
      signalGroup(child, 'SIGINT');
      const killer = setTimeout(() => signalGroup(child, 'SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    },
  };
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group is gone already.
  }
}

/** The `unset` and `export NAME=value` lines `npm run local` prints, applied to an environment. */
export function withPastedExports(env: Record<string, string>, serverOutput: string): Record<string, string> {
  const result = { ...env };
  for (const line of serverOutput.split('\n').map((text) => text.trim())) {
    const unset = /^unset (.+)$/.exec(line);
    if (unset) for (const name of (unset[1] ?? '').split(/\s+/)) delete result[name];
    const assignment = /^export ([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
    if (assignment) result[assignment[1] as string] = assignment[2] as string;
  }
  return result;
}
