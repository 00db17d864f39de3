/**
 * The editor's bundle runs the runtime's rule modules in the browser. Vite only warns when a
 * module it bundles for the browser imports a Node built-in (and the page then breaks when the
 * code runs), so this follows the bundle's imports from its entry and fails on the first one.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ENTRY = resolve(ROOT, 'editor/src/main.ts');

// Value imports only: `import type` and `export type` vanish from the bundle.
const IMPORT =
  /^\s*(?:import|export)\s+(?!type\s)(?:[^'"]*?\sfrom\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm;

/** Every module the bundle takes in from the entry, with the bare specifiers each imports. */
function bundleGraph(entry: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const todo = [entry];
  while (todo.length) {
    const file = todo.pop()!;
    if (out.has(file)) continue;
    let text = readFileSync(file, 'utf8');
    if (file.endsWith('.vue'))
      text = [...text.matchAll(/<script[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1]).join('\n');
    const bare: string[] = [];
    out.set(file, bare);
    for (const m of text.matchAll(IMPORT)) {
      const spec = m[1] ?? m[2];
      if (spec.startsWith('.')) {
        if (/\.(ts|vue)$/.test(spec)) todo.push(resolve(dirname(file), spec));
      } else bare.push(spec);
    }
  }
  return out;
}

describe("the editor's bundle", () => {
  const graph = bundleGraph(ENTRY);
  const rel = (f: string) => relative(ROOT, f);

  it('takes in the runtime rule modules themselves, not copies', () => {
    const files = [...graph.keys()].map(rel);
    for (const m of [
      'endpoint.ts',
      'node-id.ts',
      'param-rules.ts',
      'node-rules.ts',
      'graph-rules.ts',
      'refuse-link.ts',
    ]) {
      expect(files).toContain(`runtime/graph/${m}`);
    }
  });

  it('imports no Node built-in, and not the node registry (whose types carry worker code)', () => {
    const node = new Set(builtinModules);
    const offending: string[] = [];
    for (const [file, bare] of graph) {
      for (const spec of bare)
        if (spec.startsWith('node:') || node.has(spec)) offending.push(`${rel(file)} imports ${spec}`);
      if (rel(file) === 'nodes/registry.ts') offending.push('nodes/registry.ts is in the bundle');
    }
    expect(offending).toEqual([]);
  });
});
