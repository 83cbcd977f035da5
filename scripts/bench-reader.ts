/**
 * npm run bench-reader -- [--mib 4] [--passes 9] [--warmup 2]
 *
 * The strict event reader against a bare JSON.parse, ms per MiB of decrypted activity JSON (issue 21).
 * Progress goes to stderr, the table to stdout. Not part of `npm test`.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { helpRequested, intOption, parseOptions, runMain, UsageError } from '../local/commands/cli';
import { renderReaderReport, runReaderBench } from '../tools/bench/reader';

const USAGE = `Usage: npm run bench-reader -- [options]

Times the strict event reader (readActivityPayload) and a bare JSON.parse on the same gzipped activity
payloads: the committed reference events and the bench's synthetic events, repeated to --mib MiB of JSON
per set. Prints ms per MiB of JSON beyond gunzip + UTF-8 check + decode, medians over the passes.

Options:

  --mib N       MiB of activity JSON per set, 1-64 (default 4)
  --passes N    measured passes, medians quoted, 1-100 (default 9)
  --warmup N    unmeasured passes first, 0-20 (default 2)
  --source      time the TypeScript as tsx runs it (as npm run bench runs the core), not the bundle
  --baseline DIR
                also time the reader of another checkout (e.g. the main branch), interleaved
  --help        show this help
`;

/** The folder, when it holds this project's reader; a UsageError naming --baseline otherwise. */
function checkout(dir: string): string {
  const root = resolve(dir);
  if (!existsSync(join(root, 'lambda', 'core', 'shared', 'activity-payload.ts'))) {
    throw new UsageError(`--baseline: ${dir} holds no lambda/core/shared/activity-payload.ts; give a checkout of this repository`);
  }
  return root;
}

runMain('bench-reader', async () => {
  const argv = process.argv.slice(2);
  if (helpRequested(argv)) {
    process.stdout.write(USAGE);
    return;
  }
  const { values } = parseOptions(
    argv,
    {
      mib: { type: 'string', default: '4' },
      passes: { type: 'string', default: '9' },
      warmup: { type: 'string', default: '2' },
      baseline: { type: 'string' },
      source: { type: 'boolean', default: false },
      help: { type: 'boolean' },
    },
    'bench-reader',
  );
  const options = {
    mib: intOption(values.mib, 'mib', 1, 64) ?? 4,
    passes: intOption(values.passes, 'passes', 1, 100) ?? 9,
    warmup: intOption(values.warmup, 'warmup', 0, 20) ?? 2,
    source: values.source,
    ...(values.baseline !== undefined ? { baseline: checkout(values.baseline) } : {}),
  };
  const command = ['npm run bench-reader', ...(argv.length > 0 ? ['--', ...argv] : [])].join(' ');
  const rows = runReaderBench(join(__dirname, '..'), options, (line) => process.stderr.write(`bench-reader: ${line}\n`));
  process.stdout.write(`${renderReaderReport(rows, command, options)}\n`);
});
