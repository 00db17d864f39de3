import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const pages = [
  'README.md',
  ...readdirSync(path.join(repo, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

describe('docs', () => {
  it.each(pages)('every relative link in %s leads to a file of the repository', (page) => {
    const text = readFileSync(path.join(repo, page), 'utf8');
    const links = [...text.matchAll(/\]\(([^)\s]+)\)/g)]
      .map((m) => m[1])
      .filter((l) => !/^[a-z]+:/.test(l) && !l.startsWith('#'));
    const broken = links.filter((l) => !existsSync(path.join(repo, path.dirname(page), l.split('#')[0])));
    expect(broken).toEqual([]);
  });
});
