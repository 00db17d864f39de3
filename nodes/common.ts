import type { BooleanParam, EndpointParam, EnumParam, NumberParam } from './types.ts';

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

/**
 * How frames leave a sending socket for outside programs: patchbay's wire format (a JSON header
 * and the raw bytes, with end of stream), or a Python pickle of a numpy array, what the course's
 * scripts read with pyzmq's `recv_pyobj()` (nothing else is sent then: no end of stream).
 */
export const codecParam = {
  kind: 'enum',
  choices: ['patchbay', 'pickle'],
  default: 'patchbay',
  doc: "What outside programs receive: patchbay's wire format, or pickled numpy arrays for pyzmq's recv_pyobj() (the course's scripts)",
} as const satisfies EnumParam;

/** Stop after this many frames, as the course's sink and HDF5 subscriber do. */
export const framesLimitParam = {
  kind: 'number',
  default: 0,
  min: 0,
  max: Number.MAX_SAFE_INTEGER,
  integer: true,
  unit: 'frames',
  doc: 'Stop after this many frames (then the node ends as at end of stream); 0 takes frames until the end of stream',
} as const satisfies NumberParam;

/** The course's synchronised start: a REQ/REP exchange of one empty message before the first frame. */
export const handshakeParam = (doc: string): EndpointParam => ({ kind: 'endpoint', doc });
