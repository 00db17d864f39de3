/**
 * Every node type: its declaration (what the editor, the validator, the compiler and the
 * executor read) and where its stage is (what runs it). The runtime finds everything about a
 * type here; nothing else names one. Server side only: the editor gets the declarations as
 * JSON (/api/catalog), never this module (its stages carry worker-side code).
 */
import type { SocketOpener } from '../runtime/exec/socket-node.ts';
import type { StageFactory } from '../runtime/exec/stage.ts';
import type { PythonTemplate } from '../runtime/export/template.ts';
import type { NodeDecl } from './types.ts';
import { camera } from './camera/index.ts';
import { publish } from './publish/index.ts';
import { subscribe } from './subscribe/index.ts';
import { push } from './push/index.ts';
import { pull } from './pull/index.ts';
import { request } from './request/index.ts';
import { reply } from './reply/index.ts';
import { fft } from './fft/index.ts';
import { copy } from './copy/index.ts';
import { hdf5Sink } from './hdf5-sink/index.ts';
import { hdf5Source } from './hdf5-source/index.ts';
import { script } from './script/index.ts';
import { python } from './python/index.ts';

/** A node type's whole truth: its declaration, its stage and, for a socket node, its socket; loaded when a run needs them. */
export interface NodeTypeDef {
  decl: NodeDecl;
  stage: () => Promise<{ default?: StageFactory }>;
  /** A socket node's own socket (runtime/exec/socket-node.ts); absent: its stage drives it (StageIO.sockets). */
  socket?: () => Promise<{ default?: SocketOpener }>;
  /** Its part of an exported course-style Python script (`patchbay export --python`); absent: it cannot be exported. */
  python?: () => Promise<{ default?: PythonTemplate }>;
}

/** One node type, as its folder defines it (see docs/architecture.md, "Add a node type"). */
export function defineNodeType(
  decl: NodeDecl,
  stage: NodeTypeDef['stage'],
  more: Pick<NodeTypeDef, 'socket' | 'python'> = {},
): NodeTypeDef {
  const def: NodeTypeDef = { decl, stage };
  if (more.socket) def.socket = more.socket;
  if (more.python) def.python = more.python;
  return def;
}

const defs: NodeTypeDef[] = [
  defineNodeType(camera, () => import('./camera/stage.ts'), { python: () => import('./camera/python.ts') }),
  defineNodeType(publish, () => import('./publish/stage.ts'), {
    socket: () => import('./publish/socket.ts'),
    python: () => import('./publish/python.ts'),
  }),
  defineNodeType(subscribe, () => import('./subscribe/stage.ts'), {
    socket: () => import('./subscribe/socket.ts'),
    python: () => import('./subscribe/python.ts'),
  }),
  defineNodeType(push, () => import('./push/stage.ts'), {
    socket: () => import('./push/socket.ts'),
    python: () => import('./push/python.ts'),
  }),
  defineNodeType(pull, () => import('./pull/stage.ts'), {
    socket: () => import('./pull/socket.ts'),
    python: () => import('./pull/python.ts'),
  }),
  defineNodeType(request, () => import('./request/stage.ts'), { python: () => import('./request/python.ts') }),
  defineNodeType(reply, () => import('./reply/stage.ts'), { python: () => import('./reply/python.ts') }),
  defineNodeType(fft, () => import('./fft/stage.ts'), { python: () => import('./fft/python.ts') }),
  defineNodeType(copy, () => import('./copy/stage.ts'), { python: () => import('./copy/python.ts') }),
  defineNodeType(hdf5Sink, () => import('./hdf5-sink/stage.ts'), { python: () => import('./hdf5-sink/python.ts') }),
  defineNodeType(hdf5Source, () => import('./hdf5-source/stage.ts'), {
    python: () => import('./hdf5-source/python.ts'),
  }),
  defineNodeType(script, () => import('./script/stage.ts')),
  defineNodeType(python, () => import('./python/stage.ts')),
];

const byType = new Map(defs.map((d) => [d.decl.type, d]));
const decls: NodeDecl[] = defs.map((d) => d.decl);

/** Every node type's declaration, in palette order (types registered later come last). */
export const nodeTypes: readonly NodeDecl[] = decls;

/** The declaration of a node type, or undefined. */
export function getNodeType(type: string): NodeDecl | undefined {
  return byType.get(type)?.decl;
}

/** Loads a node type's stage factory; undefined for a type the registry does not know. */
export async function loadStage(type: string): Promise<StageFactory | undefined> {
  const def = byType.get(type);
  if (!def) return undefined;
  return (await def.stage()).default;
}

/** Whether a socket node's folder opens its own socket (else its stage drives it). */
export function opensOwnSocket(type: string): boolean {
  return byType.get(type)?.socket !== undefined;
}

/** Loads a socket node type's opener of its own socket; undefined when its stage drives it. */
export async function loadSocketOpener(type: string): Promise<SocketOpener | undefined> {
  const def = byType.get(type)?.socket;
  if (!def) return undefined;
  return (await def()).default;
}

/** Loads a node type's Python template (runtime/export/template.ts); undefined when it has none. */
export async function loadPythonTemplate(type: string): Promise<PythonTemplate | undefined> {
  const def = byType.get(type)?.python;
  if (!def) return undefined;
  return (await def()).default;
}

/**
 * Adds a node type defined outside nodes/ (a plugin, a test's fixture): from then on the
 * validator, the compiler and the executor treat it as one of their own.
 */
export function registerNodeType(def: NodeTypeDef): void {
  if (byType.has(def.decl.type)) throw new Error(`node type ${def.decl.type} is already registered`);
  byType.set(def.decl.type, def);
  decls.push(def.decl);
}

export type { NodeDecl, PortDecl, ParamDecl, ParamValues, MessageType } from './types.ts';
