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

/**
 * The largest message a socket facing outside programs takes: ZeroMQ drops a peer that sends a
 * larger one before it is read into memory. 256 MiB holds a 8192 × 8192 16-bit frame twice.
 */
export const maxMessageParam: NumberParam = {
  kind: 'number',
  default: 256,
  min: 1,
  max: 65_536,
  integer: true,
  unit: 'MiB',
  doc: 'Largest message accepted from a peer; a peer that sends a larger one is disconnected and counted',
};
