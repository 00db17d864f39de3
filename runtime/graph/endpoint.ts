/** A ZeroMQ endpoint taken apart, so two spellings of one address compare equal. */
export interface Endpoint {
  transport: 'tcp' | 'ipc' | 'inproc';
  /** Everything after "://". */
  address: string;
  /** tcp only: host name, address, or '*' (bind on every interface). */
  host?: string;
  /** tcp only: port number, or '*' (bind on an ephemeral port). */
  port?: number | '*';
}

const TCP = /^tcp:\/\/(\*|\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):(\*|\d{1,5})$/;
const OTHER = /^(ipc|inproc):\/\/(\S+)$/;

/** Reads tcp://host:port, ipc://path or inproc://name; undefined when malformed. */
export function parseEndpoint(text: string): Endpoint | undefined {
  if (typeof text !== 'string') return undefined;
  const tcp = TCP.exec(text);
  if (tcp) {
    const port = tcp[2] === '*' ? '*' : Number(tcp[2]);
    if (port !== '*' && (port < 1 || port > 65535)) return undefined;
    return { transport: 'tcp', address: text.slice('tcp://'.length), host: tcp[1], port };
  }
  const other = OTHER.exec(text);
  if (other) return { transport: other[1] as 'ipc' | 'inproc', address: other[2] };
  return undefined;
}

const WILDCARD = new Set(['*', '0.0.0.0', '[::]']);
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Whether a host:port bound at `a` and one bound or connected at `b` are the same place on one machine. */
export function sameEndpoint(a: Endpoint, b: Endpoint): boolean {
  if (a.transport !== b.transport) return false;
  if (a.transport !== 'tcp') return a.address === b.address;
  if (a.port === '*' || b.port === '*' || a.port !== b.port) return false;
  const ha = a.host ?? '';
  const hb = b.host ?? '';
  return ha === hb || WILDCARD.has(ha) || WILDCARD.has(hb) || (LOOPBACK.has(ha) && LOOPBACK.has(hb));
}

/**
 * The tcp hosts that sameEndpoint takes for one place share a class: every loopback name is one,
 * a wildcard ('*') meets every class. Lets a graph's bound endpoints be looked up by key.
 */
export function tcpHostClass(host: string): string {
  if (WILDCARD.has(host)) return '*';
  return LOOPBACK.has(host) ? ' loopback' : host;
}

/** Whether a connecting socket can use this endpoint (a wildcard host or port only makes sense when binding). */
export function connectable(e: Endpoint): boolean {
  return e.transport !== 'tcp' || (e.host !== '*' && e.port !== '*');
}
