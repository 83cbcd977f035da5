/**
 * npm run differential -- [--messages 20000] [--mutations 20000] [--crafted 4000] [--seed 1] [--out FILE]
 *
 * The decryption fast path against the AWS Encryption SDK (issue 13): messages the SDK encrypts (both
 * RDS suites, 0 to 600 KiB, frame lengths 4096 and 262144) and mutations of them, each opened by both.
 * Fails (exit 1) if the fast path ever accepts what the SDK refuses or returns other bytes; reports how
 * often it opens valid messages. Violations, with the bytes and key that reproduce them, go to --out.
 * `npm test` runs a slice of it (test/lambda/adapters/rds-profile-decrypter.test.ts).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { intOption, parseOptions, runMain } from '../local/commands/cli';
import { runDifferential, type Tally } from '../tools/fuzz/differential';

const USAGE = `Usage: npm run differential -- [--messages N] [--mutations N] [--crafted N] [--seed N] [--out FILE]

  --messages N    valid messages the SDK encrypts, each opened by both paths (default 20000)
  --mutations N   mutants of them, each opened by both paths (default 20000)
  --crafted N     messages built here with the key, valid tags and odd layouts (default messages / 5)
  --seed N        seed of sizes, suites and mutations (default 1)
  --out FILE      JSON report, with any violation's bytes (default bench-results/differential.json)
`;

runMain('differential', async () => {
  const { values } = parseOptions(process.argv.slice(2), {
    messages: { type: 'string' },
    mutations: { type: 'string' },
    crafted: { type: 'string' },
    seed: { type: 'string' },
    out: { type: 'string' },
    help: { type: 'boolean' },
  }, 'differential');
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const messages = intOption(values.messages, 'messages', 1, 10_000_000) ?? 20_000;
  const mutations = intOption(values.mutations, 'mutations', 0, 10_000_000) ?? 20_000;
  const crafted = intOption(values.crafted, 'crafted', 0, 10_000_000) ?? Math.floor(messages / 5);
  const seed = intOption(values.seed, 'seed', 0, 2 ** 31) ?? 1;
  const out = values.out ?? 'bench-results/differential.json';
  const started = Date.now();
  const report = await runDifferential({
    messages,
    mutations,
    crafted,
    seed,
    progress: (done, total) => {
      if (process.stderr.isTTY && done % 100 === 0) process.stderr.write(`\r\x1b[K${done}/${total}, ${Math.round((Date.now() - started) / 1000)} s`);
    },
  });
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, `${JSON.stringify(report, null, 1)}\n`);

  const share = (part: number, whole: number) => (whole === 0 ? '-' : `${((100 * part) / whole).toFixed(2)} %`);
  const row = (name: string, tally: Tally) =>
    `| ${name} | ${tally.total} | ${tally.fastAccepted} (${share(tally.fastAccepted, tally.total)}) | ${tally.sdkAccepted} |`;
  const { messages: valid, mutations: mutants } = report;
  process.stdout.write(
    [
      `Differential run, seed ${seed}: ${valid.total} valid messages (${valid.multiFrame} multi-frame, ` +
        `${valid.plaintextBytes.min}–${valid.plaintextBytes.max} bytes, ${(valid.plaintextBytes.total / 1024 / 1024).toFixed(1)} MiB in all), ` +
        `${mutants.total} mutants and ${report.crafted.total} messages crafted with the key in ${report.seconds.toFixed(0)} s.`,
      '',
      '| messages | opened | fast path accepted | SDK accepted |',
      '|---|--:|--:|--:|',
      row('valid, all', valid),
      ...Object.entries(valid.bySuite).map(([suite, tally]) => row(`valid, suite ${suite}`, tally)),
      ...Object.entries(valid.byFrameLength).map(([length, tally]) => row(`valid, frame length ${length}`, tally)),
      row('mutants, all', mutants),
      ...Object.entries(mutants.byKind).sort(([a], [b]) => a.localeCompare(b)).map(([kind, tally]) => row(`mutant: ${kind}`, tally)),
      row('crafted with the key, all', report.crafted),
      ...Object.entries(report.crafted.byKind).sort(([a], [b]) => a.localeCompare(b)).map(([kind, tally]) => row(`crafted: ${kind}`, tally)),
      '',
      `Violations (fast path accepted what the SDK refuses, or returned other bytes): ${report.violations.length === 0 ? 'none' : report.violations.length}`,
      ...report.violations.slice(0, 20).map((violation) => `  ${violation.kind}: ${violation.problem}`),
      `Report: ${out}`,
      '',
    ].join('\n'),
  );
  if (report.violations.length > 0) process.exitCode = 1;
});
