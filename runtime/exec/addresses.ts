/**
 * Before a run binds anything: every tcp address its sockets bind must be one of this machine's
 * (a host half started on the wrong PC, a hosts: map with an old address), and DNS names are
 * looked up once, so ZeroMQ binds an address. Said in the graph's words, before any file opens.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import type { Plan } from '../compile/plan.ts';
import { parseEndpoint } from '../graph/endpoint.ts';
import { bareHost, endpointHost } from '../graph/host-rules.ts';
import { ExecError } from './errors.ts';

const ANY = new Set(['*', '0.0.0.0', '[::]', '::']);

/** This machine's addresses, as endpoints write them. */
function localAddresses(): string[] {
  const out = ['127.0.0.1', '::1', 'localhost'];
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) out.push(a.address);
  return [...new Set(out)];
}

/**
 * Resolves the DNS names in the plan's tcp endpoints (every socket with one name gets one
 * address), then checks the endpoints the sockets of `nodes` bind are this machine's. `host`: the
 * half this run was started as (--host), so a refusal can tell it from another host's half.
 */
export async function checkBindAddresses(
  plan: Plan,
  nodes: ReadonlySet<string>,
  host: string | undefined,
): Promise<void> {
  // This host's sockets only: a name another host binds and nobody here dials need not resolve here.
  const tcp = plan.sockets.filter((s) => s.endpoint.startsWith('tcp://') && nodes.has(s.node));
  const resolved = new Map<string, string>();
  for (const s of tcp) {
    const e = parseEndpoint(s.endpoint);
    const name = e?.host && bareHost(e.host);
    if (!e || !name || ANY.has(name) || isIP(name) || name === 'localhost') continue;
    if (!resolved.has(name)) {
      try {
        resolved.set(name, (await lookup(name)).address);
      } catch (err) {
        throw new ExecError(
          'NOT_THIS_HOST',
          `${s.type} cannot ${s.side} ${s.endpoint}: ${name} does not resolve (${(err as { code?: string }).code ?? (err as Error).message})`,
          s.node,
        );
      }
    }
    const address = resolved.get(name)!;
    s.endpoint = `tcp://${endpointHost(address)}:${e.port}`;
  }
  const mine = localAddresses();
  for (const s of tcp) {
    if (!nodes.has(s.node) || s.side !== 'bind') continue;
    const bound = parseEndpoint(s.endpoint)?.host;
    const address = bound && bareHost(bound);
    if (!address || ANY.has(address) || mine.includes(address)) continue;
    const said = s.hostName ? `${s.hostName}'s address ${address}` : address;
    throw new ExecError(
      'NOT_THIS_HOST',
      `${s.type} cannot bind ${s.endpoint}: ${said} is not an address of this machine (it has ${mine.join(', ')}). ${
        s.hostName
          ? `Is this machine ${s.hostName}? Start ${host === s.hostName ? 'this half' : `${s.hostName}'s half`} there, or correct its address in the graph's hosts: map`
          : 'Bind an address this machine has, or * for all of them'
      }`,
      s.node,
    );
  }
}
