/**
 * The shape docs/architecture.md describes, held: runtime/ and editor/src import in one
 * direction (no cycles) and no file there grows past a screenful of responsibilities.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { nodeTypes } from '../../nodes/registry.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DIRS = ['runtime', 'editor/src'];
const MAX_LINES = 450;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return files(p);
    return /\.(ts|vue)$/.test(f) ? [p] : [];
  });
}

const all = DIRS.flatMap((d) => files(join(ROOT, d)));

/** Relative imports of a file (type-only ones too: a cycle of types is a cycle of ideas). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [
    ...text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]/gm),
    ...text.matchAll(/^\s*import\s+['"](\.[^'"]+)['"]/gm),
  ]
    .map((m) => resolve(dirname(file), m[1]))
    .filter((p) => all.includes(p));
}

describe('architecture', () => {
  it(`no file in ${DIRS.join(' or ')} is over ${MAX_LINES} lines`, () => {
    const long = all
      .map((f) => [relative(ROOT, f), readFileSync(f, 'utf8').split('\n').length] as const)
      .filter(([, n]) => n > MAX_LINES);
    expect(long).toEqual([]);
  });

  it(`imports in ${DIRS.join(' and ')} go one way: no cycle`, () => {
    const graph = new Map(all.map((f) => [f, importsOf(f)]));
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (f: string, path: string[]) => {
      if (state.get(f) === 'done') return;
      if (state.get(f) === 'open') {
        cycles.push([...path.slice(path.indexOf(f)), f].map((p) => relative(ROOT, p)).join(' -> '));
        return;
      }
      state.set(f, 'open');
      for (const g of graph.get(f) ?? []) visit(g, [...path, f]);
      state.set(f, 'done');
    };
    for (const f of all) visit(f, []);
    expect(cycles).toEqual([]);
  });

  it('runtime/ and editor/src name no node type: what a type needs, its declaration says (pool, preview, exclusive, progress, socket role)', () => {
    const names = nodeTypes.map((d) => d.type);
    const quoted = new RegExp(`['"\`](${names.join('|')})['"\`]`);
    const hits = all.flatMap((f) =>
      readFileSync(f, 'utf8')
        .split('\n')
        .map((line, i) => [line, i] as const)
        .filter(([line]) => quoted.test(line) && !/^\s*(\/\/|\/?\*)/.test(line))
        .map(([line, i]) => `${relative(ROOT, f)}:${i + 1}: ${line.trim()}`),
    );
    expect(hits).toEqual([]);
  });
});
