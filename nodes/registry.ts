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

/** Every node type, in palette order. */
export const nodeTypes: readonly NodeDecl[] = [camera, publish, subscribe, push, pull, request, reply, fft, copy, hdf5Sink];

const byType = new Map(nodeTypes.map((d) => [d.type, d]));

/** The declaration of a node type, or undefined. */
export function getNodeType(type: string): NodeDecl | undefined {
  return byType.get(type);
}

export type { NodeDecl, PortDecl, ParamDecl, ParamValues, MessageType } from './types.ts';
