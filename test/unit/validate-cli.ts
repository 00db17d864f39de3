/** `patchbay validate --json` on graphs written to files, as the tests' referee for the editor's verdicts. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { stringify } from 'yaml';
import { validateCommand } from '../../runtime/cli/validate-command.ts';
import { formatLink } from '../../runtime/graph/link.ts';
import type { Graph, GraphError } from '../../runtime/graph/types.ts';

export interface ValidatingCli {
  /** What validate reports for the graph, written to a file of its own as a user would. */
  validate(graph: Graph): Promise<GraphError[]>;
  close(): Promise<void>;
}

export async function validatingCli(): Promise<ValidatingCli> {
  const dir = await mkdtemp(join(tmpdir(), 'patchbay-validate-'));
  let files = 0;
  return {
    async validate(graph) {
      const file = join(dir, `g${files++}.yaml`);
      const doc = { patchbay: 1, nodes: graph.nodes, links: graph.links.map(formatLink) };
      // Graphs built in tests share param objects; written as aliases, the loader would (rightly) refuse them.
      await writeFile(file, stringify(doc, { aliasDuplicateObjects: false }));
      let out = '';
      const stdout = new Writable({ write: (chunk, _enc, done) => ((out += String(chunk)), done()) });
      const stderr = new Writable({ write: (_chunk, _enc, done) => done() });
      await validateCommand(['--json', file], { stdout, stderr });
      return (JSON.parse(out) as { errors: GraphError[] }[])[0].errors;
    },
    close: () => rm(dir, { recursive: true, force: true }),
  };
}
