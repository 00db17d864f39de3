import type { GraphErrorCode } from './types.ts';

/**
 * Every error code with the one line docs/graph-format.md explains it by. A Record keyed by
 * the union makes the compiler refuse a code that is added to types.ts but not here.
 */
export const errorCodeDocs: Readonly<Record<GraphErrorCode, string>> = {
  YAML_SYNTAX: 'the file is not valid YAML (or has a duplicate key)',
  MISSING_VERSION: 'no `patchbay: 1` line',
  UNSUPPORTED_VERSION: '`patchbay:` names a version this program does not read',
  BAD_DOCUMENT: 'a part of the file has the wrong shape (nodes not a map, a node without a type, ...)',
  UNKNOWN_KEY: 'a key the format does not have, at the top or in a node',
  BAD_NODE_ID: 'a node id that is not `[a-z][a-z0-9_-]*`',
  UNKNOWN_TYPE: 'a node type that does not exist (the closest name is suggested)',
  UNKNOWN_PARAM: 'a param the node type does not have',
  MISSING_PARAM: 'a required param is not given',
  BAD_PARAM_TYPE: 'a param value of the wrong kind (text for a number, 2.5 for a whole number)',
  PARAM_OUT_OF_RANGE: 'a param value outside its limits or choices',
  BAD_ENDPOINT: 'an endpoint that is not tcp://host:port, ipc://path or inproc://name, or a * where a socket connects',
  BAD_LINK: 'a link that does not read `node.port -> node.port`',
  UNKNOWN_NODE: 'a link (or layout entry) names a node the graph does not have',
  UNKNOWN_PORT: 'a link names a port the node does not have, or goes input -> output',
  DUPLICATE_LINK: 'the same link twice',
  PORT_TYPE_MISMATCH: 'a link joins ports of different message types (spectra into a frame input)',
  CYCLE: 'frames would go round in a loop',
  TOO_MANY_PRODUCERS: 'two links into an input that takes one producer (only Pull takes many)',
  FAN_OUT_WITHOUT_COPY: 'one plain output linked to two inputs: fan out with Copy, Publish or Push',
  DUPLICATE_ENDPOINT: 'two sockets bind the same endpoint',
  NO_BINDER:
    'a link carried by a socket that connects, with nothing in the graph binding its endpoint: the two ends would never meet',
  INCOMPATIBLE_SOCKETS: 'a connecting socket meets a bound socket it cannot talk to (REQ to a PUB)',
  CROSS_HOST_LINK: 'a link between nodes on different hosts that is not carried by a tcp socket',
  UNKNOWN_HOST: 'a node placed on a host the `hosts:` map does not name',
  DUPLICATE_FILE: 'two HDF5Sinks write the same file',
  NO_SOURCE: 'nothing produces frames',
  NO_SINK: 'frames end nowhere',
  UNREACHABLE_NODE: 'warning: no source feeds the node, so it is left out of the run',
  UNCONNECTED_OUTPUT: 'warning: an output nothing takes; its messages are thrown away',
};

/** The closed set of error codes. */
export const errorCodes = Object.keys(errorCodeDocs) as GraphErrorCode[];
