/**
 * The ```console blocks of the docs, read and compared: what `npm run docs:check` runs.
 *
 * In a ```console block a line `$ <command>` is a command (a line ending in `\` goes on on the next),
 * and the lines after it, up to the next `$ ` line, are its expected output. Compared line by line,
 * trailing whitespace ignored: `…` inside a line matches any text, a line that is only `…` (indented or
 * not) matches any number of lines (none included). The command must exit 0 unless its output ends with `(exit N)`.
 * A line `^C` in the output means: once the lines before it have been printed, press Ctrl-C (SIGINT to
 * the command's process group); the lines after it are what the command prints on its way out.
 * An HTML comment `<!-- docs-check: servers -->` on the line before the fence runs the block the way it
 * says to: with `npm run local` serving in another shell and its `export` lines pasted into this one.
 * Blocks fenced ```sh (deploy, the AWS CLI, anything needing an account) are shown, not run.
 */

/** One `$ command` of a block and what it should print. */
export interface ConsoleStep {
  readonly command: string;
  /** Expected output before a `^C` line (all of it when there is none). */
  readonly expected: readonly string[];
  /** Set when the step presses Ctrl-C: what the command prints after it. */
  readonly afterInterrupt?: readonly string[];
  readonly exitCode: number;
  /** 1-based line of the `$` in the Markdown file. */
  readonly line: number;
}

/** A ```console block: its steps run in order, in one scratch copy of the repository. */
export interface ConsoleBlock {
  readonly file: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  /** Run with the servers of `npm run local` up and their exports in the environment. */
  readonly servers: boolean;
  readonly steps: readonly ConsoleStep[];
}

/** A block that is not well formed: text before the first `$`, or a `^C` twice. */
export class ConsoleBlockError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

const ELLIPSIS = '…';
const SERVERS_DIRECTIVE = /^<!--\s*docs-check:\s*servers\s*-->$/;
const EXIT_LINE = /^\(exit (\d+)\)$/;

/** Every ```console block of one Markdown text, in order. */
export function parseConsoleBlocks(markdown: string, file: string): ConsoleBlock[] {
  const lines = markdown.split('\n');
  const blocks: ConsoleBlock[] = [];
  let fence: { line: number; servers: boolean; body: string[] } | undefined;
  let inOtherFence = false;
  for (const [index, text] of lines.entries()) {
    if (fence) {
      if (/^```\s*$/.test(text)) {
        blocks.push({ file, line: fence.line, servers: fence.servers, steps: stepsOf(fence.body, fence.line, file) });
        fence = undefined;
      } else fence.body.push(text);
      continue;
    }
    if (/^```/.test(text)) {
      if (inOtherFence) inOtherFence = false;
      else if (/^```console\s*$/.test(text)) {
        fence = { line: index + 1, servers: SERVERS_DIRECTIVE.test(previousNonEmpty(lines, index)), body: [] };
      } else inOtherFence = true;
    }
  }
  if (fence) throw new ConsoleBlockError(`${file}:${fence.line}: the console block is never closed`);
  return blocks;
}

function previousNonEmpty(lines: readonly string[], index: number): string {
  for (let i = index - 1; i >= 0; i--) if ((lines[i] ?? '').trim() !== '') return (lines[i] ?? '').trim();
  return '';
}

function stepsOf(body: readonly string[], fenceLine: number, file: string): ConsoleStep[] {
  const steps: ConsoleStep[] = [];
  let current: { command: string; output: string[]; line: number } | undefined;
  let continued = false;
  const finish = () => {
    if (current) steps.push(stepOf(current, file));
  };
  for (const [offset, text] of body.entries()) {
    const line = fenceLine + 1 + offset;
    if (continued && current) {
      current.command += `\n${text}`;
      continued = text.endsWith('\\');
      continue;
    }
    if (text.startsWith('$ ')) {
      finish();
      current = { command: text.slice(2), output: [], line };
      continued = text.endsWith('\\');
    } else if (current) current.output.push(text);
    else if (text.trim() !== '') throw new ConsoleBlockError(`${file}:${line}: output before the block's first "$ " command`);
  }
  finish();
  if (steps.length === 0) throw new ConsoleBlockError(`${file}:${fenceLine}: a console block with no "$ " command`);
  return steps;
}

function stepOf(raw: { command: string; output: string[]; line: number }, file: string): ConsoleStep {
  const output = trimTrailingBlank(raw.output.map((text) => text.trimEnd()));
  let exitCode = 0;
  const exit = EXIT_LINE.exec(output[output.length - 1] ?? '');
  if (exit) {
    exitCode = Number(exit[1]);
    output.pop();
  }
  const interrupts = output.flatMap((text, index) => (text === '^C' ? [index] : []));
  if (interrupts.length > 1) throw new ConsoleBlockError(`${file}:${raw.line}: "^C" more than once in one command's output`);
  const at = interrupts[0];
  return at === undefined
    ? { command: raw.command, expected: output, exitCode, line: raw.line }
    : { command: raw.command, expected: output.slice(0, at), afterInterrupt: output.slice(at + 1), exitCode, line: raw.line };
}

function trimTrailingBlank(lines: string[]): string[] {
  const copy = [...lines];
  while (copy.length > 0 && copy[copy.length - 1] === '') copy.pop();
  while (copy.length > 0 && copy[0] === '') copy.shift();
  return copy;
}

/** Why the output did not match: the first expected line that found no match, and where. */
export interface Mismatch {
  /** 0-based index into the expected lines (the length when actual output was left over). */
  readonly expectedIndex: number;
  readonly message: string;
}

/**
 * Compares output with what a doc shows. Undefined when it matches; otherwise the furthest point the
 * comparison reached, which is what a reader needs to find the line that changed.
 */
export function compareOutput(expected: readonly string[], actualText: string): Mismatch | undefined {
  const actual = trimTrailingBlank(actualText.replace(/\r\n/g, '\n').split('\n').map((text) => text.trimEnd()));
  const wanted = trimTrailingBlank(expected.map((text) => text.trimEnd()));
  const patterns = wanted.map((text) => (text.trim() === ELLIPSIS ? undefined : linePattern(text)));
  // Reachable (expected index, actual index) pairs, walked breadth-first: `…` lines make it a glob over lines.
  const seen = new Set<string>();
  let furthest = { expected: 0, actual: 0 };
  const stack: Array<[number, number]> = [[0, 0]];
  while (stack.length > 0) {
    const [e, a] = stack.pop() as [number, number];
    const key = `${e},${a}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (e > furthest.expected || (e === furthest.expected && a > furthest.actual)) furthest = { expected: e, actual: a };
    if (e === patterns.length) {
      if (a === actual.length) return undefined;
      continue;
    }
    const pattern = patterns[e];
    if (pattern === undefined) {
      stack.push([e + 1, a]);
      if (a < actual.length) stack.push([e, a + 1]);
    } else if (a < actual.length && pattern.test(actual[a] ?? '')) stack.push([e + 1, a + 1]);
  }
  const { expected: e, actual: a } = furthest;
  if (e === patterns.length) {
    return { expectedIndex: e, message: `output goes on after the last expected line: ${JSON.stringify(actual[a] ?? '')}` };
  }
  const got = a < actual.length ? JSON.stringify(actual[a]) : 'the end of the output';
  return { expectedIndex: e, message: `expected ${JSON.stringify(wanted[e])}, got ${got} (output line ${a + 1})` };
}

function linePattern(text: string): RegExp {
  const parts = text.split(ELLIPSIS).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('.*')}$`, 's');
}

/**
 * npm's own banner (`> das-firehose@0.1.0 replay` and `> tsx scripts/replay.ts …`, between blank lines)
 * is left out of what the docs show, as `npm run --silent` would; everything the command prints stays.
 */
export function withoutNpmBanners(text: string): string {
  const lines = text.split('\n');
  const kept: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (/^> \S+@\S+ \S+/.test(lines[i] ?? '') && (lines[i + 1] ?? '').startsWith('> ')) {
      if (kept.length > 0 && kept[kept.length - 1] === '') kept.pop();
      i += (lines[i + 2] ?? 'x') === '' ? 2 : 1;
      continue;
    }
    kept.push(lines[i] ?? '');
  }
  return kept.join('\n');
}
