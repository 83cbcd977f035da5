import { execFile } from 'node:child_process';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { SizingReport } from '../../../tools/sizing/run';

const run = promisify(execFile);
const TSX = join(__dirname, '../../../node_modules/.bin/tsx');
const SIZING = join(__dirname, '../../../scripts/sizing.ts');

async function sizing(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(TSX, [SIZING, ...args], { env: { PATH: process.env.PATH!, ...env }, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** The slow tier: `npm run sizing` at a tiny scale, spawned as a user runs it. */
describe('npm run sizing', () => {
  it('holds every event once in every layout, gives every question the same answer on each, and leaves no files', async () => {
    const scratch = await mkdtemp(join(tmpdir(), 'sizing-cli-'));
    const { code, stdout, stderr } = await sizing(['--events', '3000', '--days', '2', '--runs', '1', '--json'], { TMPDIR: scratch });
    expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });
    const report = JSON.parse(stdout) as SizingReport;
    expect(report.layouts.map((layout) => layout.name)).toEqual(['events', 'firehose-10', 'firehose-1', 'firehose-stream', 'parquet-sorted', 'parquet-by-time']);
    for (const layout of report.layouts) expect({ layout: layout.name, rows: layout.contents.rows }).toEqual({ layout: layout.name, rows: 3000 });
    expect(new Set(report.layouts.map((layout) => layout.contents.hash)).size).toBe(1);
    for (const query of report.queries) {
      const answers = report.results.filter((result) => result.query === query.name);
      expect(answers).toHaveLength(6);
      expect(new Set(answers.map((result) => `${result.answer.rows}/${result.answer.hash}`)).size).toBe(1);
      expect(answers[0]!.answer.rows).toBeGreaterThan(0);
    }
    expect(report.consistent).toBe(true);
    // Partition filters: the command folders select only the failed logins of the day; Parquet one file a day.
    const failed = report.results.filter((result) => result.query === 'failed-logins');
    expect(failed.find((result) => result.layout === 'events')!.files).toBeLessThan(report.results.find((result) => result.query === 'per-command-hour' && result.layout === 'events')!.files);
    expect(failed.find((result) => result.layout === 'parquet-sorted')!.files).toBe(1);
    expect(report.goals.checks).toHaveLength(4);
    // The temporary folder is gone (tsx keeps its own cache there).
    expect((await readdir(scratch)).filter((name) => !name.startsWith('tsx-'))).toEqual([]);
  });

  it('prints its tables and the goals without --json', async () => {
    const { code, stdout } = await sizing(['--events', '500', '--days', '1', '--runs', '1']);
    expect(code).toBe(0);
    expect(stdout).toContain('| failed logins, 1 day |');
    expect(stdout).toContain('Every layout holds all 500 events once');
  });

  it('--help exits 0 and describes the options', async () => {
    const { code, stdout } = await sizing(['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: npm run sizing -- \[options\]/);
    expect(stdout).toContain('--events N');
  });

  it.each([
    [['--rows', '5'], 'sizing: unknown option --rows. See npm run sizing -- --help\n'],
    [['--events', '0'], 'sizing: --events must be a whole number from 1 to 50000000; got "0". See npm run sizing -- --help\n'],
    [['--start', '2026-02-30'], 'sizing: --start must be a date written YYYY-MM-DD; got "2026-02-30". See npm run sizing -- --help\n'],
  ])('refuses %j with one line and exit 2', async (args, line) => {
    const { code, stdout, stderr } = await sizing(args);
    expect({ code, stdout, stderr }).toEqual({ code: 2, stdout: '', stderr: line });
  });
});
