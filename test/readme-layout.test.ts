import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONTEXT_KEYS } from '../lib/context';

const ROOT = join(__dirname, '..');
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const layout = /## Project layout[\s\S]*?```\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';

describe("the README's project layout", () => {
  it('names only paths that exist', () => {
    const paths = layout
      .split('\n')
      .map((line) => /^(\S+)/.exec(line)?.[1])
      .filter((path): path is string => path !== undefined);
    expect(paths.length).toBeGreaterThan(10);
    expect(paths.filter((path) => !existsSync(join(ROOT, path)) && !existsSync(join(ROOT, 'lib/das-firehose-pipeline', path)))).toEqual([]);
  });

  it('names every folder of lib/, lambda/ and local/', () => {
    const folders = ['lib', 'lambda', 'local', 'testkit', 'tools'].flatMap((top) =>
      readdirSync(join(ROOT, top), { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .map((entry) => `${top}/${entry.name}/`),
    );
    expect(folders.filter((folder) => !layout.includes(folder))).toEqual([]);
  });
});

describe("the README's configuration tables", () => {
  it('lists every CDK context key the app reads', () => {
    const table = /### Configuration \(CDK context\)[\s\S]*?\n\n((?:\|.*\n)+)/.exec(readme)?.[1] ?? '';
    const listed = [...table.matchAll(/^\| `(\w+)` \|/gm)].map((match) => match[1]);
    expect(listed.sort()).toEqual(Object.keys(CONTEXT_KEYS).sort());
  });
});
