/**
 * The plan's sockets as pyzmq: each PlanSocket opened as its endpoint says (never the inproc
 * name the plan gives in-process peers: an exported script is a process of its own), with its
 * high-water mark, topics and side; the start-up waits a socket needs (a publisher's
 * subscribers); the receiving sockets that drive a process and the sending ones links give.
 */
import type { PlanSocket } from '../compile/index.ts';
import { py } from './template.ts';

/** A socket of an exported process, as the script names it. */
export interface PySocket {
  plan: PlanSocket;
  /** Its Python variable. */
  name: string;
  /** A publisher's socket opened as XPUB: it counts subscriptions before the first frame. */
  xpub?: number;
}

const RECEIVING = new Set(['SUB', 'PULL']);

/** A receiving socket that brings the frames a node takes in (not a handshake). */
export function isEntry(s: PlanSocket): boolean {
  return RECEIVING.has(s.type) && !s.route.handshake;
}

/** A socket a link gave a node to send its output through (a PUSH into a Pull node). */
export function isLinkSender(s: PlanSocket): boolean {
  return s.route.role === 'link' && !RECEIVING.has(s.type);
}

/** Subscriptions a publisher's own socket waits for: one per topic of each consumer in the graph, one per outside subscriber awaited. */
function subscriptionsAwaited(s: PlanSocket): number {
  if (s.type !== 'PUB' || s.route.role !== 'own') return 0;
  return (s.route.consumers ?? []).reduce((n, c) => n + Math.max(1, c.subscriptions), 0) + (s.waitFor ?? 0);
}

/** Names the sockets of one process: `<node>_<type>`, `<node>_ready` for a handshake. */
export function nameSockets(sockets: readonly PlanSocket[], nodeName: (id: string) => string): PySocket[] {
  const used = new Set<string>();
  return sockets.map((plan) => {
    const base = `${nodeName(plan.node)}_${plan.route.handshake ? 'ready' : plan.type.toLowerCase()}`;
    let name = base;
    for (let i = 2; used.has(name); i++) name = `${base}${i}`;
    used.add(name);
    const xpub = subscriptionsAwaited(plan);
    return xpub ? { plan, name, xpub } : { plan, name };
  });
}

/** Lines opening one socket, with a comment saying what it is for. */
export function openSocket(s: PySocket): string[] {
  const p = s.plan;
  const what = p.route.handshake ? 'handshake' : p.link ? `for ${p.link}` : 'its own socket';
  const lines = [
    `# ${p.node}: ${p.type === 'PUB' ? 'XPUB (a PUB that sees subscriptions)' : p.type} ${p.side}s ${p.endpoint}, ${what} ${p.peer ?? ''}`.trimEnd(),
  ];
  lines.push(`${s.name} = context.socket(zmq.${p.type === 'PUB' ? 'XPUB' : p.type})`);
  if (p.type === 'PUB')
    lines.push(`${s.name}.setsockopt(zmq.XPUB_VERBOSER, 1)  # every subscription and unsubscription, repeats too`);
  if (p.type === 'PUB' || p.type === 'PUSH') lines.push(`${s.name}.setsockopt(zmq.SNDHWM, ${p.hwm})`);
  if (RECEIVING.has(p.type)) lines.push(`${s.name}.setsockopt(zmq.RCVHWM, ${p.hwm})`);
  for (const t of p.topics ?? []) lines.push(`${s.name}.setsockopt_string(zmq.SUBSCRIBE, ${py(t)})`);
  // Like patchbay's own subscribers: it leaves at end of stream, so a patchbay publisher stops sending it again.
  if (p.type === 'SUB') lines.push(`${s.name}.setsockopt(zmq.SUBSCRIBE, CONFIRMS_EOS)`);
  lines.push(`${s.name}.${p.side}(${py(p.endpoint)})`);
  return lines;
}

/** After "ready": a publisher waits for its subscribers, so its first frames reach them (no slow joiner). */
export function startSocket(s: PySocket): string[] {
  if (!s.xpub) return [];
  const n = `${s.name}_subscriptions`;
  return [
    `# ${s.plan.node}: wait for ${s.xpub} subscription${s.xpub === 1 ? '' : 's'} ${s.plan.peer ?? ''} before the first frame`.trimEnd(),
    `${n} = 0`,
    `while ${n} < ${s.xpub} and wait_readable(${s.name}):`,
    `    if is_subscriber(${s.name}, ${s.name}.recv()):`,
    `        ${n} += 1`,
  ];
}

/** Ends a process needs before its receiving socket is done: one end of stream per producer in the graph (at least one). */
export function endsAwaited(s: PlanSocket): number {
  return Math.max(1, s.route.producers?.length ?? 0);
}
