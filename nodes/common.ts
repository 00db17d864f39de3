import type { NumberParam, EndpointParam, BooleanParam } from './types.ts';

/** Shared param shapes of the socket nodes, so every socket node says the same thing the same way. */
export const hwmParam = (def: number): NumberParam => ({
  kind: 'number',
  default: def,
  min: 1,
  max: 1_000_000,
  integer: true,
  unit: 'frames',
  doc: 'High-water mark: how many frames may queue on this socket (counts messages, not bytes)',
});

export const endpointParam = (doc: string, required = false): EndpointParam =>
  required ? { kind: 'endpoint', required: true, doc } : { kind: 'endpoint', doc };

export const bindParam = (def: boolean): BooleanParam => ({
  kind: 'boolean',
  default: def,
  doc: def
    ? 'Bind the endpoint (the stable side binds); false connects instead'
    : 'Connect to the endpoint; true binds instead',
});
