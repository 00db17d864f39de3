/**
 * The graph's `hosts:` map as the Graph panel edits it, and each host's colour. An edit changes
 * one entry and leaves the others as the file wrote them (a plain address or a map with a key),
 * in their order.
 */
import type { Graph, GraphHost } from '../../runtime/graph/types.ts';
import { parseEndpoint } from '../../runtime/graph/endpoint.ts';
import type { PatchNode } from './canvas/patch-node.ts';

export type Hosts = NonNullable<Graph['hosts']>;

/** One row of the panel: a host's name, address and public key file ('' when none). */
export interface HostRow {
  name: string;
  address: string;
  key: string;
}

/** The map's rows, in its order (an entry the validator refuses shows what it can). */
export function hostRows(hosts: Graph['hosts']): HostRow[] {
  return Object.entries(hosts ?? {}).map(([name, raw]) => {
    const entry =
      typeof raw === 'string'
        ? { address: raw }
        : raw !== null && typeof raw === 'object'
          ? raw
          : { address: String(raw) };
    return {
      name,
      address: typeof entry.address === 'string' ? entry.address : '',
      key: typeof entry.key === 'string' ? entry.key : '',
    };
  });
}

/** A row as the map's value: the plain address, or a map when it names a key. */
function entryOf(row: HostRow): GraphHost {
  const address = row.address.trim();
  const key = row.key.trim();
  return key ? { address, key } : address;
}

/** Why `name` cannot be a new name in `hosts` (other than for `own`), if it cannot. */
export function hostNameProblem(hosts: Graph['hosts'], name: string, own?: string): string | undefined {
  if (name.trim() === '') return 'a host needs a name';
  if (name !== own && hosts && Object.hasOwn(hosts, name)) return `${name} is already a host of this graph`;
  return undefined;
}

/** `hosts` with entry `old` replaced by `row` (renamed in place) or, without `old`, `row` added at the end. */
export function withHost(hosts: Graph['hosts'], row: HostRow, old?: string): Hosts {
  const name = row.name.trim();
  if (old === undefined) return { ...hosts, [name]: entryOf(row) };
  return Object.fromEntries(Object.entries(hosts ?? {}).map(([n, e]) => (n === old ? [name, entryOf(row)] : [n, e])));
}

/** `hosts` without `name`; undefined when none is left (the graph is no longer placed). */
export function withoutHost(hosts: Graph['hosts'], name: string): Hosts | undefined {
  const rest = Object.entries(hosts ?? {}).filter(([n]) => n !== name);
  return rest.length ? Object.fromEntries(rest) : undefined;
}

/**
 * Renames a host where the canvas uses it: the nodes placed on it, and tcp endpoints written
 * with its name (tcp://camera-pc:5560), which would otherwise stop resolving. Returns the nodes
 * changed and how to put them back.
 */
export function renameHostOn(
  nodes: readonly PatchNode[],
  from: string,
  to: string,
): { changed: PatchNode[]; undo: () => PatchNode[] } {
  const saved: { node: PatchNode; host: string | undefined; params: Record<string, unknown> }[] = [];
  for (const node of nodes) {
    const params = { ...node.params };
    for (const [key, decl] of Object.entries(node.decl.params)) {
      const e =
        decl.kind === 'endpoint' && typeof params[key] === 'string' ? parseEndpoint(params[key] as string) : undefined;
      if (e?.transport === 'tcp' && e.host === from) params[key] = `tcp://${to}:${e.port}`;
    }
    const moved = node.host === from;
    if (!moved && Object.keys(params).every((k) => params[k] === node.params[k])) continue;
    saved.push({ node, host: node.host, params: node.params });
    node.params = params;
    if (moved) node.host = to;
  }
  return {
    changed: saved.map((s) => s.node),
    undo: () =>
      saved.map(({ node, host, params }) => {
        node.host = host;
        node.params = params;
        return node;
      }),
  };
}

/** Hues set apart by the golden angle, so the first hosts differ most (blue, rose, green, violet, orange…). */
const hueAt = (i: number): number => (205 + i * 137.508) % 360;

/**
 * A host's badge colour: from its place in the map, so a graph's hosts are told apart at a
 * glance; a host the map does not name gets one from its name (the same in every graph).
 */
export function hostColour(host: string, names: readonly string[]): string {
  const i = names.indexOf(host);
  let hue: number;
  if (i >= 0) hue = hueAt(i);
  else {
    let h = 0;
    for (const c of host) h = (h * 31 + c.charCodeAt(0)) >>> 0;
    hue = h % 360;
  }
  return `hsl(${Math.round(hue)} 55% 38%)`;
}
