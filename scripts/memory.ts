/**
 * npm run memory -- [--function-memory-mb 1769]
 *
 * Peak RSS of the bundled transformer on the worst batches that fit Firehose's limits (decompression
 * bombs of tiny events, of one huge event, two-byte text, records at the event cap), each in a fresh
 * process with the heap limit Lambda gives a function of that memory. Not part of npm test.
 */
import { intOption, parseOptions, runMain } from '../local/commands/cli';
import { measureMemory } from '../tools/bench/memory';
import { DEFAULT_FUNCTION_MEMORY_MB } from '../lib/defaults';

const USAGE = `Usage: npm run memory -- [--function-memory-mb N]

Peak RSS of the bundled transformer on the worst batches that fit Firehose's limits, each in a fresh
process with the heap limit Lambda gives a function of that memory. Exit 1 if a case dies.

  --function-memory-mb N   the function's memory, 128 to 10240 (default ${DEFAULT_FUNCTION_MEMORY_MB}, the stack's)
  --help                   show this help
`;

runMain('memory', async () => {
  const { values } = parseOptions(process.argv.slice(2), { 'function-memory-mb': { type: 'string' }, help: { type: 'boolean' } }, 'memory');
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const memoryMb = intOption(values['function-memory-mb'], 'function-memory-mb', 128, 10_240) ?? DEFAULT_FUNCTION_MEMORY_MB;
  const results = await measureMemory(memoryMb, (line) => process.stderr.write(`memory: ${line}\n`));
  const mib = (bytes: number) => (bytes / 1048576).toFixed(0);
  process.stdout.write(
    [
      `Function memory ${memoryMb} MB (heap limit ${Math.floor(memoryMb * 0.9)} MB), bundled asset, one fresh process per case:`,
      '',
      '| case | records | request MiB | answers | peak RSS MiB | seconds |',
      '|---|--:|--:|---|--:|--:|',
      ...results.map(
        (result) =>
          `| ${result.name} | ${result.records} | ${(result.requestBytes / 1048576).toFixed(1)} | ${
            result.error ? `died: ${result.error}` : Object.entries(result.answers).map(([kind, count]) => `${count} ${kind}`).join(', ')
          } | ${mib(result.peakRssBytes)} | ${result.seconds.toFixed(1)} |`,
      ),
      '',
      ...results.map((result) => `- ${result.name}: ${result.about}`),
      '',
    ].join('\n'),
  );
  if (results.some((result) => result.error)) process.exitCode = 1;
});
