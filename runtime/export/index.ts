/**
 * `patchbay export --python`: a compiled plan written out as course-style pyzmq scripts, one
 * per process (the nodes in-process links join), that speak to each other and to patchbay
 * over the plan's sockets. Each node type's Python comes from its folder (nodes/<type>/python.ts).
 */
import { loadPythonTemplate } from '../../nodes/registry.ts';
import type { Plan } from '../compile/index.ts';
import { PatchbayError } from '../util/patchbay-error.ts';
import { groupProcesses } from './process.ts';
import { ScriptShapeError, writeScript } from './script.ts';
import type { PythonTemplate } from './template.ts';

export type ExportErrorCode =
  'NO_PYTHON_TEMPLATE' | 'NO_NODES_ON_HOST' | 'INPROC_ENDPOINT' | 'NOT_EXPORTABLE' | 'FILE_EXISTS';

/** A plan (or the part of it on a host) that cannot be written as Python; nothing is written. */
export class ExportError extends PatchbayError<ExportErrorCode> {
  constructor(
    code: ExportErrorCode,
    message: string,
    readonly nodes: readonly string[] = [],
  ) {
    super(code, message);
  }
}

/** One script: its file name, the nodes it runs and its text. */
export interface PythonScript {
  file: string;
  nodes: string[];
  text: string;
}

/** Lower-case letters, digits, `_` and `-`: a file name part from a graph's name. */
function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9_-]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'graph'
  );
}

/** Node ids as Python identifiers, unique in the plan. */
function identifiers(ids: readonly string[]): Map<string, string> {
  const used = new Set<string>();
  return new Map(
    ids.map((id) => {
      const base = id.replace(/-/g, '_');
      let name = base;
      for (let i = 2; used.has(name); i++) name = `${base}${i}`;
      used.add(name);
      return [id, name];
    }),
  );
}

/**
 * The scripts of `plan`, or of its nodes placed on `host`. Throws ExportError naming every
 * node whose type has no Python template (or another reason the plan cannot be exported).
 * File names are `<graph>-<root node>.py`: the hyphen keeps them from shadowing a Python module.
 */
export async function exportPython(plan: Plan, host?: string): Promise<PythonScript[]> {
  const nodes = plan.nodes.filter((n) => host === undefined || n.host === host);
  if (nodes.length === 0)
    throw new ExportError('NO_NODES_ON_HOST', `no node is placed on host ${JSON.stringify(host)}`);
  const templates = new Map<string, PythonTemplate>();
  for (const type of new Set(nodes.map((n) => n.type))) {
    const t = await loadPythonTemplate(type);
    if (t) templates.set(type, t);
  }
  const missing = nodes.filter((n) => !templates.has(n.type));
  if (missing.length)
    throw new ExportError(
      'NO_PYTHON_TEMPLATE',
      `no Python for ${missing.map((n) => `${n.id} (${n.type})`).join(', ')}: ${missing.length === 1 ? 'its type has' : 'their types have'} no python.ts to export`,
      missing.map((n) => n.id),
    );
  const processes = groupProcesses(plan, host);
  const inproc = processes.flatMap((p) => p.sockets).filter((s) => s.endpoint.startsWith('inproc://'));
  if (inproc.length)
    throw new ExportError(
      'INPROC_ENDPOINT',
      `${inproc.map((s) => `${s.node}'s ${s.endpoint}`).join(', ')}: an inproc endpoint joins one process only; give ${inproc.length === 1 ? 'it' : 'them'} a tcp:// or ipc:// endpoint to export`,
      [...new Set(inproc.map((s) => s.node))],
    );
  const names = identifiers(plan.nodes.map((n) => n.id));
  const graph = slug(plan.name);
  const files = processes.map((p) => `${graph}-${p.root.id}.py`);
  return processes.map((p, i) => {
    try {
      const text = writeScript(p, {
        graph: plan.name,
        file: files[i],
        templates,
        names,
        others: files.filter((_, j) => j !== i),
      });
      return { file: files[i], nodes: p.nodes.map((n) => n.id), text };
    } catch (e) {
      if (e instanceof ScriptShapeError) throw new ExportError('NOT_EXPORTABLE', e.message, [p.root.id]);
      throw e;
    }
  });
}
