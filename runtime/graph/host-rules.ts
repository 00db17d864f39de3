/**
 * Placement rules: the graph's `hosts:` map (name -> address or DNS name, and the host's CURVE
 * public key when `secure: true`), the nodes placed on its hosts, and endpoints written with a
 * host name (tcp://camera-pc:5560), which are resolved here from the map so the rest of the
 * analysis and the plan see one address. Pure: the editor's bundle runs it too.
 */
import type { GraphHost } from './types.ts';
import type { AddIssue, NodeInfo } from './node-rules.ts';
import { parseEndpoint } from './endpoint.ts';
import { describe } from './param-rules.ts';
import { didYouMean } from './suggest.ts';

/** A host of the map, read: its address (an IP address or a DNS name) and, for CURVE, its public key file. */
export interface HostEntry {
  address: string;
  key?: string;
}

/** A host name: what a DNS label allows, and dots. */
const HOST_NAME = /^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/;
const ADDRESS = /^(\[[0-9A-Fa-f:.]+\]|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*|[A-Za-z0-9_.-]+)$/;
const HOST_KEYS = ['address', 'key'];

/** A tcp endpoint's host without the brackets an IPv6 address is written in. */
export function bareHost(host: string): string {
  return host.replace(/^\[|\]$/g, '');
}

/** The address as it goes into an endpoint: an IPv6 address in brackets. */
export function endpointHost(address: string): string {
  return address.includes(':') && !address.startsWith('[') ? `[${address}]` : address;
}

/**
 * Reads the `hosts:` map, reporting every entry it cannot use (kept as null: its name is still a
 * host, so its nodes are not reported again); undefined when the graph has none.
 */
export function readHosts(hosts: unknown, secure: unknown, add: AddIssue): Map<string, HostEntry | null> | undefined {
  if (secure !== undefined && secure !== null && typeof secure !== 'boolean')
    add('BAD_DOCUMENT', `secure must be true or false, received ${describe(secure)}`, { at: 'secure' });
  if (hosts === undefined || hosts === null) {
    if (secure === true)
      add(
        'BAD_DOCUMENT',
        "secure: true needs a hosts: map naming each host's public key (patchbay keys NAME writes a key pair)",
        { at: 'secure' },
      );
    return undefined;
  }
  if (typeof hosts !== 'object' || Array.isArray(hosts)) {
    add('BAD_DOCUMENT', `hosts must be a map from host name to address, received ${describe(hosts)}`, { at: 'hosts' });
    return undefined;
  }
  const out = new Map<string, HostEntry | null>();
  for (const [name, raw] of Object.entries(hosts as Record<string, GraphHost>)) {
    const where = { at: 'hosts' as const, host: name };
    if (!HOST_NAME.test(name))
      add('BAD_DOCUMENT', `host ${JSON.stringify(name)}: a host name is letters, digits, '.', '-' and '_'`, {
        ...where,
        key: true,
      });
    out.set(name, null);
    const entry =
      typeof raw === 'string'
        ? { address: raw }
        : raw !== null && typeof raw === 'object' && !Array.isArray(raw)
          ? raw
          : undefined;
    if (!entry) {
      add(
        'BAD_DOCUMENT',
        `host ${name}: expected an address (camera-pc: 10.0.0.5) or a map with address and key, received ${describe(raw)}`,
        where,
      );
      continue;
    }
    for (const k of Object.keys(entry))
      if (!HOST_KEYS.includes(k))
        add(
          'UNKNOWN_KEY',
          `host ${name}: unknown key ${k}${didYouMean(k, HOST_KEYS)}: a host has ${HOST_KEYS.join(', ')}`,
          where,
        );
    const { address, key } = entry as { address?: unknown; key?: unknown };
    if (address === '*' || address === '0.0.0.0') {
      add(
        'BAD_DOCUMENT',
        `host ${name}: ${address} is no machine's address; write the address other hosts reach ${name} at`,
        where,
      );
      continue;
    }
    if (typeof address !== 'string' || !ADDRESS.test(address)) {
      add(
        'BAD_DOCUMENT',
        `host ${name}: address must be an IP address or a DNS name, received ${describe(address)}`,
        where,
      );
      continue;
    }
    if (key !== undefined && (typeof key !== 'string' || key === '')) {
      add(
        'BAD_DOCUMENT',
        `host ${name}: key must be the path of its public key file (patchbay keys ${name} writes ${name}.key), received ${describe(key)}`,
        where,
      );
      continue;
    }
    out.set(name, key === undefined ? { address } : { address, key });
  }
  return out;
}

/**
 * Checks placement against the map and resolves host names in endpoints, in place: after it,
 * `info.endpoint` holds the address (and `info.hostName` the name it was written with).
 */
export function placeNodes(
  nodes: Map<string, NodeInfo>,
  hosts: Map<string, HostEntry | null> | undefined,
  secure: boolean,
  add: AddIssue,
): void {
  const names = hosts ? [...hosts.keys()] : [];
  for (const info of nodes.values()) {
    const host = info.node.host;
    if (hosts && typeof host === 'string' && host !== '' && !hosts.has(host))
      add(
        'UNKNOWN_HOST',
        `node ${info.id}: host ${host} is not in the graph's hosts: map${didYouMean(host, names)}${names.length ? `; its hosts: ${names.join(', ')}` : ''}`,
        { at: 'node', node: info.id, key: 'host' },
        { node: info.id },
      );
    if (!hosts) continue;
    const written = info.parsedEndpoint;
    if (written?.transport === 'tcp' && written.host !== undefined && hosts.get(written.host)) {
      const name = written.host;
      info.endpoint = `tcp://${endpointHost(hosts.get(name)!.address)}:${written.port}`;
      info.parsedEndpoint = parseEndpoint(info.endpoint);
      info.hostName = name;
      if (info.side === 'bind' && typeof host === 'string' && host !== name && hosts.has(host))
        add(
          'BAD_ENDPOINT',
          `node ${info.id} runs on ${host} but binds ${name}'s address (tcp://${name}:${written.port}): a socket binds on its own machine; write tcp://${host}:${written.port}`,
          { at: 'param', node: info.id, param: 'endpoint' },
          { node: info.id, param: 'endpoint' },
        );
    }
    const hs = info.handshake;
    if (hs?.parsed.transport === 'tcp' && hs.parsed.host !== undefined && hosts.get(hs.parsed.host)) {
      hs.endpoint = `tcp://${endpointHost(hosts.get(hs.parsed.host)!.address)}:${hs.parsed.port}`;
      hs.parsed = parseEndpoint(hs.endpoint)!;
    }
  }
  if (secure && hosts) {
    const placed = new Set(
      [...nodes.values()].map((n) => n.node.host).filter((h): h is string => typeof h === 'string'),
    );
    for (const h of placed)
      if (hosts.get(h) && !hosts.get(h)!.key)
        add(
          'BAD_DOCUMENT',
          `host ${h}: secure: true needs its public key (key: ${h}.key; patchbay keys ${h} writes the pair)`,
          { at: 'hosts', host: h },
        );
  }
}
