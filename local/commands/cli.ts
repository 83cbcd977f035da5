import { parseArgs, type ParseArgsConfig } from 'node:util';

/**
 * What the local commands (`npm start`, `npm run invoke`, `events`, `browse`, `local`, `fuzz`, …) share:
 * option parsing that turns every mistake into a UsageError (exit 2, one clear line), and the exit-code
 * convention: 0 done, 1 failed, 2 usage.
 */

/** A problem with what the user gave the command (options, files, settings), as opposed to a failure. */
export class UsageError extends Error {}

/**
 * A failure the command explains in full (a SQL error, say): exit 1 with its message alone, no error
 * name, since the message already says what went wrong.
 */
export class CommandError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * node:util parseArgs, strict, with its errors reworded for a person and the usage pointer added. A
 * value that starts with a minus (`--records -3`) is taken as the option's value, so the option's own
 * check can say what it must be, rather than parseArgs calling it ambiguous.
 */
export function parseOptions<T extends Options>(argv: readonly string[], options: T, command: string, shape: { positionals?: boolean } = {}) {
  const args: string[] = [];
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index] as string;
    const option = arg.startsWith('--') ? options[arg.slice(2)] : undefined;
    const next = argv[index + 1];
    if (option?.type === 'string' && next !== undefined && /^-\d/.test(next)) {
      args.push(`${arg}=${next}`);
      index++;
    } else {
      args.push(arg);
    }
  }
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: shape.positionals ?? false });
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new UsageError(`${message}. See npm run ${command} -- --help`);
  }
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
 * Runs a command's main and sets the exit code: 2 with `<command>: <message>` for a usage problem,
 * 1 with the message for a CommandError, 1 with the error's name and message for anything else. Output already written is left alone.
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
  main().then(
    () => {
      process.exitCode ??= 0;
    },
    (error: unknown) => {
      if (error instanceof UsageError) {
        process.stderr.write(`${command}: ${error.message}\n`);
        process.exitCode = 2;
        return;
      }
      if (error instanceof CommandError) {
        process.stderr.write(`${command}: ${error.message}\n`);
        process.exitCode = 1;
        return;
      }
      const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      process.stderr.write(`${command}: failed: ${text}\n`);
      process.exitCode = 1;
    },
  );
}
