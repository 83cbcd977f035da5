import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CONTEXT_KEYS } from '../../lib/context';
import { SETTINGS } from '../../lambda/settings/definitions';
import { parseConsoleBlocks } from '../../tools/docs/console-blocks';
import { documentedFiles } from '../../tools/docs/check-docs';

const ROOT = join(__dirname, '..', '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const DOCS = documentedFiles(ROOT);

describe('the README', () => {
  it('is a front door: at most 300 lines', () => {
    expect(read('README.md').split('\n').length).toBeLessThanOrEqual(300);
  });
});

describe('README.md and docs/', () => {
  it('quote no commit hashes and no issue numbers of this project', () => {
    const found = DOCS.flatMap((file) =>
      [...read(file).matchAll(/(?<![\w./-])(?=[0-9a-f]*[a-f])(?=[0-9a-f]*\d)[0-9a-f]{7,12}(?![\w-])|\bissues? #?\d+|(?<![\w/])#\d+\b/gi)].map(
        (match) => `${file}: ${match[0]}`,
      ),
    );
    expect(found).toEqual([]);
  });

  it('link only to files and headings that exist', () => {
    const broken: string[] = [];
    for (const file of DOCS) {
      for (const [, target] of read(file).matchAll(/\]\(([^)\s]+)\)/g)) {
        if (!target || /^[a-z]+:/.test(target)) continue;
        const [path, anchor] = target.split('#');
        const linked = path ? join(dirname(file), path) : file;
        if (!existsSync(join(ROOT, linked))) broken.push(`${file}: ${target}`);
        else if (anchor && linked.endsWith('.md') && !headingSlugs(read(linked)).has(anchor)) broken.push(`${file}: ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('run no local command in a ```sh block: what runs without an account is a ```console block the checker runs', () => {
    // Shown, not run: deploys, the AWS CLI, commands against an account, the test tiers, machine-dependent figures.
    const localCommand = /^\s*(npm start\b|npm run (--silent )?(browse|query|events|invoke|replay|local|fuzz)\b)/;
    const needsAccount = /--function |--bucket (?!das-firehose-local)|--kms-key-id arn:aws:kms:(?!us-east-1:000000000000)/;
    const offending = DOCS.flatMap((file) =>
      [...read(file).matchAll(/^```sh\n([\s\S]*?)^```/gm)].flatMap((match) =>
        (match[1] ?? '')
          .split('\n')
          .filter((line) => localCommand.test(line) && !needsAccount.test(line))
          .map((line) => `${file}: ${line}`),
      ),
    );
    expect(offending).toEqual([]);
  });

  it('hold console blocks the checker can read', () => {
    const blocks = DOCS.flatMap((file) => parseConsoleBlocks(read(file), file));
    expect(blocks.length).toBeGreaterThan(10);
  });
});

/** GitHub's anchors: lower case, punctuation but `-` and `_` removed, spaces made `-`. */
function headingSlugs(markdown: string): Set<string> {
  return new Set(
    [...markdown.matchAll(/^#{1,6} (.+)$/gm)].map((match) =>
      (match[1] ?? '')
        .toLowerCase()
        .replace(/[^\p{L}\p{N} _-]/gu, '')
        .replace(/ /g, '-'),
    ),
  );
}

describe("docs/design.md's project layout", () => {
  const layout = /## Project layout[\s\S]*?```\n([\s\S]*?)```/.exec(read('docs/design.md'))?.[1] ?? '';

  it('names only paths that exist', () => {
    const paths = layout
      .split('\n')
      .map((line) => /^(\S+)/.exec(line)?.[1])
      .filter((path): path is string => path !== undefined);
    expect(paths.length).toBeGreaterThan(10);
    expect(paths.filter((path) => !existsSync(join(ROOT, path)) && !existsSync(join(ROOT, 'lib/das-firehose-pipeline', path)))).toEqual([]);
  });

  it('names every folder of lib/, lambda/, local/, testkit/ and tools/', () => {
    const folders = ['lib', 'lambda', 'local', 'testkit', 'tools'].flatMap((top) =>
      readdirSync(join(ROOT, top), { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .map((entry) => `${top}/${entry.name}/`),
    );
    expect(folders.filter((folder) => !layout.includes(folder))).toEqual([]);
  });
});

describe("docs/configuration.md's table", () => {
  const rows = [...read('docs/configuration.md').matchAll(/^\|(.*)\|$/gm)].map((match) => (match[1] ?? '').split(' | ').map((cell) => cell.trim()));
  const column = (index: number) => new Set(rows.flatMap((cells) => [...(cells[index] ?? '').matchAll(/`([^`]+)`/g)].map((match) => match[1])));

  it('lists every CDK context key the app reads, and no other', () => {
    expect([...column(0)].sort()).toEqual(Object.keys(CONTEXT_KEYS).sort());
  });

  it('lists every setting of the settings contract under its variable and, where it has one, its context key', () => {
    const settings = Object.values(SETTINGS) as ReadonlyArray<{ readonly env: string; readonly context?: string }>;
    expect(settings.filter((setting) => !column(1).has(setting.env)).map((setting) => setting.env)).toEqual([]);
    const byVariable = new Map(rows.map((cells) => [(cells[1] ?? '').replace(/`/g, ''), (cells[0] ?? '').replace(/`/g, '')]));
    const wrongKey = settings.filter((setting) => setting.context !== undefined && byVariable.get(setting.env) !== setting.context);
    expect(wrongKey.map((setting) => `${setting.env}: ${byVariable.get(setting.env)} (contract: ${setting.context})`)).toEqual([]);
  });

  it('lists every construct prop, with the fields of queries and alerts', () => {
    const props = ['props', 'options', 'sources'].map((file) => read(`lib/das-firehose-pipeline/${file}.ts`)).join('\n');
    const fieldsOf = (name: string) => {
      const body = new RegExp(`export interface ${name} \\{([\\s\\S]*?)\\n\\}`).exec(props)?.[1] ?? '';
      return [...body.matchAll(/^ {2}readonly (\w+)\??:/gm)].map((match) => match[1] as string);
    };
    const expected = [
      ...fieldsOf('DasFirehosePipelineProps').filter((prop) => prop !== 'activityStreams'),
      ...fieldsOf('ActivityStreamSource').map((field) => `activityStreams[].${field}`),
      ...fieldsOf('AuditQueriesOptions').map((field) => `queries.${field}`),
      ...fieldsOf('AlertsOptions').map((field) => `alerts.${field}`),
    ];
    expect(expected.length).toBeGreaterThan(30);
    expect(expected.filter((prop) => !column(2).has(prop))).toEqual([]);
  });
});
