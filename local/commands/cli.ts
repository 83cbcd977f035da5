import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError } from '../../lambda/core/shared/errors';
import { serversDownMessage } from './servers-down';

/**
 * The one convention every command a user runs follows (`npm start`, `npm run invoke`, `events`,
 * `browse`, `query`, `replay`, `local`, `bench`, `sizing`, `fuzz`, `differential`, `memory`):
 * - `--help` (or `-h`) anywhere among the options prints the usage to stdout, exits 0 and does nothing else;
 * - an unknown option or a bad value exits 2 with one line, `<command>: <what is wrong>. See npm run
 *   <command> -- --help`, never Node's parser text (its "after '--'" advice clashes with npm's own `--`);
 * - a failure exits 1 with `<command>: …` on one line, never a stack trace;
 * - a refused connection to this machine says the local servers seem to be down and how to start them.
 */

/** A problem with what the user gave the command (options, files, settings), as opposed to a failure: exit 2. */
export class UsageError extends Error {
  /** Whether the line ends by pointing at `--help` (not for settings, which the usage does not list). */
  readonly pointToHelp: boolean;

  constructor(message: string, options: { readonly pointToHelp?: boolean; readonly cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'UsageError';
    this.pointToHelp = options.pointToHelp ?? true;
  }
}

/**
 * A failure the command explains in full (a SQL error, say): exit 1 with its message alone, no error
 * name, since the message already says what went wrong. Give the underlying error as `cause`, so a
 * refused connection under it is still recognised.
 */
export class CommandError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'CommandError';
  }
}

/** How a user asks for a command's help: `npm start -- --help`, `npm run invoke -- --help`. */
export function helpCommand(command: string): string {
  return command === 'start' ? 'npm start -- --help' : `npm run ${command} -- --help`;
}

/**
 * The settings' problems (lambda/config.ts joins them into one ConfigError message, each starting with
 * the variable it is about), one per line, as a usage error: exit 2, no pointer at `--help`.
 */
export function settingsError(error: ConfigError): UsageError {
  return new UsageError(settingsProblems(error.message).join('\n'), { pointToHelp: false, cause: error });
}

/**
 * Splits a ConfigError message into its problems: a new one starts where a variable's name
 * (`ALERT_CUSTOM_RULES[2].when`, `ALERTS_DISABLED names …`) follows a space. A name followed by `=` is an
 * example inside a problem (`e.g. ALERT_CUSTOM_RULES='[…]'`), not a new one.
 */
export function settingsProblems(message: string): string[] {
  return message
    .split(/ (?=[A-Z][A-Z0-9]*_[A-Z0-9_]*(?:\[\d+\])?[ .:[])/)
    .map((problem) => problem.trim())
    .filter(Boolean);
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** Whether the user asked for help: `--help` or `-h` before any `--` that ends the options. */
export function helpRequested(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).some((arg) => arg === '--help' || arg === '-h');
}

/**
 * node:util parseArgs, with every mistake turned into a UsageError that names it in a person's words.
 * `--help` wins over everything else (so a command given it never goes on to do its work): the result
 * is then `{ values: { help: true } }` alone. `options` must declare `help`. A value that starts with a
 * minus (`--records -3`) is taken as the option's value, so the option's own check can say what it must
 * be; a value that is another option (`--out --seed`) is refused as missing.
 */
export function parseOptions<T extends Options & { help: { type: 'boolean' } }>(
  argv: readonly string[],
  options: T,
  command: string,
  shape: { positionals?: boolean } = {},
) {
  const allowPositionals = shape.positionals ?? false;
  if (helpRequested(argv)) return parseArgs({ args: ['--help'], options, strict: true, allowPositionals });
  const { tokens } = parseArgs({ args: [...argv], options, strict: false, allowPositionals: true, tokens: true });
  const args: string[] = [];
  const positionals: string[] = [];
  const seen = new Set<string>();
  for (const token of tokens) {
    if (token.kind === 'option-terminator') continue;
    if (token.kind === 'positional') {
      if (!allowPositionals) throw new UsageError(`unexpected argument "${token.value}": ${command} takes options only`);
      positionals.push(token.value);
      continue;
    }
    const option = Object.hasOwn(options, token.name) ? options[token.name] : undefined;
    const raw = argv[token.index] ?? token.rawName;
    if (!option || token.rawName !== `--${token.name}`) throw new UsageError(`unknown option ${raw.split('=')[0]}`);
    if (seen.has(token.name) && !option.multiple) throw new UsageError(`${token.rawName} is given twice; give it once`);
    seen.add(token.name);
    if (option.type === 'boolean') {
      if (token.value !== undefined) throw new UsageError(`${token.rawName} takes no value; got "${raw}"`);
      args.push(token.rawName);
      continue;
    }
    if (token.value === undefined || (!token.inlineValue && token.value.startsWith('--'))) {
      throw new UsageError(`${token.rawName} needs a value${token.value === undefined ? '' : `; got the option ${token.value}`}`);
    }
    args.push(`${token.rawName}=${token.value}`);
  }
  // Validated above; given back in a shape strict parsing reads without second-guessing values that
  // start with a minus, with the positionals after `--` so none is taken for an option.
  return parseArgs({ args: [...args, ...(positionals.length > 0 ? ['--', ...positionals] : [])], options, strict: true, allowPositionals });
}

/** A whole number option within bounds, or undefined when not given. */
export function intOption(value: string | undefined, name: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(number) || number < min || number > max) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}; got "${value}"`);
  }
  return number;
}

/** Whether the text is a real calendar day written YYYY-MM-DD. */
export function isUtcDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(text);
}

/** A share option from 0 to 1, or undefined when not given. */
export function shareOption(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number) || number < 0 || number > 1) {
    throw new UsageError(`--${name} must be a number from 0 to 1, e.g. 0.25; got "${value}"`);
  }
  return number;
}

/**
 * What a command prints for an error that ended it, each line prefixed with the command, and its exit
 * code: the local servers being down first (whatever wraps it), then usage (2), then failures (1).
 */
export function errorReport(command: string, error: unknown, env: Readonly<Record<string, string | undefined>> = process.env): { lines: string[]; exitCode: number } {
  const down = serversDownMessage(error, env);
  if (down) return { lines: [`${command}: ${down}`], exitCode: 1 };
  if (error instanceof UsageError) {
    const lines = error.message.split('\n').map((line) => `${command}: ${line}`);
    if (error.pointToHelp && !error.message.includes('--help') && lines.length === 1) {
      const line = (lines[0] as string).replace(/[,:;\s]+$/, '');
      lines[0] = `${line}${/[.?!]$/.test(line) ? '' : '.'} See ${helpCommand(command)}`;
    }
    return { lines, exitCode: 2 };
  }
  if (error instanceof CommandError) return { lines: [`${command}: ${error.message}`], exitCode: 1 };
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return { lines: [`${command}: failed: ${text.split('\n')[0]}`], exitCode: 1 };
}

/**
 * Runs a command's main and sets the exit code from errorReport. An error thrown outside main (a
 * server's callback, say) is reported the same way, so no stack trace ever reaches the user. Output
 * already written is left alone.
 */
export function runMain(command: string, main: () => Promise<void>): void {
  // `npm run browse … | head` closes the pipe early: that is the reader being done, not a failure.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw error;
    });
  }
  // These are local tools on the Node the project supports; the SDK's notice about its 2027 releases
  // (Lambda runs Node 22+) would be the loudest line of every run. Set the variable to "false" to see it.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const fail = (error: unknown) => {
    const report = errorReport(command, error);
    process.stderr.write(report.lines.map((line) => `${line}\n`).join(''));
    process.exitCode = report.exitCode;
  };
  process.on('uncaughtException', (error) => {
    fail(error);
    process.exit();
  });
  main().then(() => {
    process.exitCode ??= 0;
  }, fail);
}
