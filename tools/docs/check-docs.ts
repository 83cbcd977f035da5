/**
 * npm run docs:check [-- <file.md> …]
 *
 * Runs every ```console block of README.md and docs/*.md (see console-blocks.ts for the notation) and
 * checks that each command prints what the doc shows and exits as it says. Each Markdown file gets a
 * scratch copy of the repository of its own (scratch.ts), where its blocks run in order, so a doc
 * may build on what its earlier blocks did, as a reader following it would. `npm ci` is not run there
 * (the copy links the checkout's node_modules): `npm ci && X` runs X. Exit 0 when every block matched,
 * 1 when one did not, 2 for a usage problem.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { compareOutput, parseConsoleBlocks, withoutNpmBanners, type ConsoleBlock, type ConsoleStep } from './console-blocks';
import { cleanEnv, runCommand, scratchCopy, startBackground, withPastedExports, type Background } from './scratch';

/** How one step went. */
export interface StepResult {
  readonly step: ConsoleStep;
  readonly seconds: number;
  /** Why it failed; undefined when it printed what the doc shows and exited as it says. */
  readonly failure?: string;
  /** What it printed, npm's banners left out. */
  readonly output: string;
}

export interface BlockResult {
  readonly block: ConsoleBlock;
  readonly steps: readonly StepResult[];
  readonly ok: boolean;
}

export interface CheckOptions {
  /** The repository to copy. @default the checkout this file is in */
  readonly root?: string;
  /** Markdown files, relative to root. @default README.md and docs/*.md */
  readonly files?: readonly string[];
  /** Per command. @default 5 minutes */
  readonly timeoutMs?: number;
  /** Told about each block as it finishes. */
  readonly onBlock?: (result: BlockResult) => void;
}

const ROOT = resolve(__dirname, '..', '..');
const DEFAULT_TIMEOUT_MS = 5 * 60_000;

/** README.md and every docs/*.md, relative to root. */
export function documentedFiles(root: string = ROOT): string[] {
  return ['README.md', ...readdirSync(join(root, 'docs')).filter((name) => name.endsWith('.md')).sort().map((name) => `docs/${name}`)];
}

/** Runs the console blocks of the files given, each file in a scratch copy of its own. */
export async function checkDocs(options: CheckOptions = {}): Promise<BlockResult[]> {
  const root = options.root ?? ROOT;
  const results: BlockResult[] = [];
  for (const file of options.files ?? documentedFiles(root)) {
    const blocks = parseConsoleBlocks(readFileSync(join(root, file), 'utf8'), file);
    if (blocks.length === 0) continue;
    const scratch = await scratchCopy(root);
    try {
      for (const block of blocks) {
        const result = await runBlock(block, scratch.dir, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
        results.push(result);
        options.onBlock?.(result);
      }
    } finally {
      await scratch.remove();
    }
  }
  return results;
}

async function runBlock(block: ConsoleBlock, dir: string, timeoutMs: number): Promise<BlockResult> {
  let env = cleanEnv();
  let servers: Background | undefined;
  const steps: StepResult[] = [];
  try {
    if (block.servers) {
      servers = await startBackground('npm run local', { cwd: dir, env, timeoutMs: 60_000, ready: /Ctrl-C stops the servers\./ });
      env = withPastedExports(env, servers.output());
    }
    for (const step of block.steps) {
      const result = await runStep(step, dir, env, timeoutMs);
      steps.push(result);
      if (result.failure) break;
    }
  } catch (error) {
    const failure = error instanceof Error ? error.message : String(error);
    steps.push({ step: block.steps[0] as ConsoleStep, seconds: 0, failure: `could not start the servers: ${failure}`, output: '' });
  } finally {
    await servers?.stop();
  }
  return { block, steps, ok: steps.length === block.steps.length && steps.every((step) => !step.failure) };
}

async function runStep(step: ConsoleStep, dir: string, env: Record<string, string>, timeoutMs: number): Promise<StepResult> {
  const command = step.command.replace(/^npm ci(\s*&&\s*|\s*$)/, '');
  if (command.trim() === '') return { step, seconds: 0, output: '' };
  const before = step.afterInterrupt === undefined ? undefined : step.expected;
  const run = await runCommand(command, {
    cwd: dir,
    env,
    timeoutMs,
    ...(before ? { interruptWhen: (soFar: string) => compareOutput(before, withoutNpmBanners(soFar)) === undefined } : {}),
  });
  const output = withoutNpmBanners(run.output);
  const fail = (failure: string): StepResult => ({ step, seconds: run.seconds, failure, output });
  if (run.timedOut) return fail(`still running after ${Math.round(timeoutMs / 1000)} s`);
  const mismatch = compareOutput(step.expected, output);
  if (mismatch) return fail(mismatch.message);
  if (step.afterInterrupt !== undefined) {
    const afterMismatch = compareOutput(step.afterInterrupt, withoutNpmBanners(run.afterInterrupt));
    if (afterMismatch) return fail(`after ^C: ${afterMismatch.message}`);
  }
  if (run.exitCode !== step.exitCode) return fail(`exit code ${String(run.exitCode)}, the doc says ${step.exitCode}`);
  return { step, seconds: run.seconds, output };
}

/** One line per block, and for a failed one the command, why, and what it printed. */
export function formatResult(result: BlockResult): string {
  const { block } = result;
  const seconds = result.steps.reduce((sum, step) => sum + step.seconds, 0).toFixed(1);
  const head = `${result.ok ? 'ok  ' : 'FAIL'} ${block.file}:${block.line}  ${block.steps.length} command${block.steps.length === 1 ? '' : 's'}${block.servers ? ', with npm run local' : ''}  ${seconds} s`;
  const failed = result.steps.find((step) => step.failure);
  if (!failed) return head;
  const shown = failed.output.split('\n').slice(0, 60).map((line) => `      | ${line}`);
  return [head, `  ${block.file}:${failed.step.line}: $ ${failed.step.command}`, `    ${failed.failure}`, '    it printed:', ...shown].join('\n');
}

const USAGE = `Usage: npm run docs:check [-- <file.md> …]

Runs every \`\`\`console block of README.md and docs/*.md (or the files given) in a scratch copy of the
repository and checks each command's output and exit code against the doc. See tools/docs/console-blocks.ts.

Options:
  --timeout <seconds>   the most one command may take (default 300)
  --help                show this help
`;

async function main(argv: readonly string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: { help: { type: 'boolean' }, timeout: { type: 'string' } }, allowPositionals: true, strict: true });
  } catch (error) {
    process.stderr.write(`docs:check: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}. See npm run docs:check -- --help\n`);
    return 2;
  }
  if (parsed.values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const timeout = parsed.values.timeout === undefined ? 300 : Number(parsed.values.timeout);
  if (!Number.isFinite(timeout) || timeout <= 0) {
    process.stderr.write(`docs:check: --timeout must be a number of seconds, e.g. --timeout 300; got "${parsed.values.timeout}". See npm run docs:check -- --help\n`);
    return 2;
  }
  const files = parsed.positionals.length > 0 ? parsed.positionals.map((file) => relative(ROOT, resolve(file))) : undefined;
  const started = Date.now();
  const results = await checkDocs({ ...(files ? { files } : {}), timeoutMs: timeout * 1000, onBlock: (result) => process.stdout.write(`${formatResult(result)}\n`) });
  const failed = results.filter((result) => !result.ok).length;
  process.stdout.write(`${results.length} console blocks, ${failed} failed, in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
  return failed > 0 ? 1 : 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`docs:check: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
