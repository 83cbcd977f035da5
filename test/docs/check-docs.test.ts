import { compareOutput, ConsoleBlockError, parseConsoleBlocks, withoutNpmBanners } from '../../tools/docs/console-blocks';

describe('compareOutput', () => {
  it('matches literal lines, ignoring trailing whitespace and blank lines at the ends', () => {
    expect(compareOutput(['wrote a.json: 8 records', '  done'], '\nwrote a.json: 8 records   \n  done\n\n')).toBeUndefined();
  });

  it('fails when a doc shows output the command does not print, naming the line', () => {
    const mismatch = compareOutput(['records: 8 read: 8 Ok, 0 still failing'], 'records: 19 read: 8 Ok, 11 still failing\n');
    expect(mismatch?.message).toBe('expected "records: 8 read: 8 Ok, 0 still failing", got "records: 19 read: 8 Ok, 11 still failing" (output line 1)');
  });

  it('lets … inside a line stand for any text, and nothing more', () => {
    expect(compareOutput(['Local S3 at http://127.0.0.1:…, bucket b'], 'Local S3 at http://127.0.0.1:45607, bucket b')).toBeUndefined();
    expect(compareOutput(['Local S3 at http://127.0.0.1:…, bucket b'], 'Local S3 at http://127.0.0.1:45607, bucket c')).toBeDefined();
    expect(compareOutput(['a (b) [c] $d … *'], 'a (b) [c] $d anything *')).toBeUndefined();
  });

  it('lets a line of only … stand for any number of lines, none included', () => {
    expect(compareOutput(['head', '…', 'tail'], 'head\ntail')).toBeUndefined();
    expect(compareOutput(['head', '  …', 'tail'], 'head\n1\n2\n3\ntail')).toBeUndefined();
    expect(compareOutput(['…', 'Total: 850 events.'], 'x\nTotal: 850 events.')).toBeUndefined();
    expect(compareOutput(['head', '…', 'tail'], 'head\n1\ntail\nmore')?.message).toMatch(/^output goes on after the last expected line/);
  });

  it('fails on output the doc does not show, and on output the doc shows but the command never printed', () => {
    expect(compareOutput(['one'], 'one\ntwo')?.message).toBe('output goes on after the last expected line: "two"');
    expect(compareOutput(['one', 'two'], 'one')?.message).toBe('expected "two", got the end of the output (output line 2)');
  });
});

describe('parseConsoleBlocks', () => {
  const doc = [
    'Text.',
    '',
    '```console',
    '$ npm run events -- --records 8 \\',
    '  --out .local/e.json',
    'wrote .local/e.json: 8 records',
    '$ npm run events -- --bogus',
    '…',
    '(exit 2)',
    '```',
    '',
    '```sh',
    '$ aws s3 ls   # shown, never run',
    '```',
    '',
    '<!-- docs-check: servers -->',
    '```console',
    '$ npm run local',
    'Ctrl-C stops the servers.',
    '^C',
    'Stopped.',
    '```',
  ].join('\n');

  it('reads commands, continued lines, expected output and exit codes of console blocks only', () => {
    const blocks = parseConsoleBlocks(doc, 'doc.md');
    expect(blocks.map((block) => [block.line, block.servers, block.steps.length])).toEqual([
      [3, false, 2],
      [17, true, 1],
    ]);
    expect(blocks[0]?.steps[0]).toEqual({ command: 'npm run events -- --records 8 \\\n  --out .local/e.json', expected: ['wrote .local/e.json: 8 records'], exitCode: 0, line: 4 });
    expect(blocks[0]?.steps[1]).toMatchObject({ expected: ['…'], exitCode: 2 });
    expect(blocks[1]?.steps[0]).toMatchObject({ expected: ['Ctrl-C stops the servers.'], afterInterrupt: ['Stopped.'] });
  });

  it('refuses a block whose output comes before any command', () => {
    expect(() => parseConsoleBlocks('```console\nhello\n```\n', 'doc.md')).toThrow(ConsoleBlockError);
  });
});

describe('withoutNpmBanners', () => {
  it("leaves out npm's banner and keeps everything the command printed", () => {
    const printed = '\n> das-firehose@0.1.0 replay\n> tsx scripts/replay.ts --local\n\nRe-drive of …\n> not a banner\n';
    expect(withoutNpmBanners(printed)).toBe('Re-drive of …\n> not a banner\n');
  });
});
