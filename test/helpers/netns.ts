/**
 * Two machines on one: two network namespaces joined by a veth pair, each with its own address
 * and its own network stack (the only way to test two hosts here; needs root and iproute2).
 * The addresses exist only inside the namespaces this helper made.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { IN_CI } from './env.ts';

export interface Host {
  /** The namespace's name (ip netns exec NAME ...). */
  ns: string;
  /** Its address on the veth link. */
  address: string;
}

export interface TwoHosts {
  a: Host;
  b: Host;
  /** The command prefix that runs a program on a host. */
  on(h: Host): string[];
  /** Cuts the link between them (the cable pulled), or joins them again. */
  link(up: boolean): void;
  remove(): void;
}

/** Why namespaces cannot be made here, or undefined; under CI a missing part fails instead. */
export function netnsMissing(): string | undefined {
  const ok = process.getuid?.() === 0 && spawnSync('ip', ['netns', 'list'], { stdio: 'ignore' }).status === 0;
  if (ok || IN_CI) return undefined;
  const reason = 'network namespaces need root and iproute2 (ip netns)';
  process.stderr.write(`skipping: ${reason}\n`);
  return reason;
}

let made = 0;

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Two namespaces, 10.77.0.1 and 10.77.0.2 on a veth pair, loopback up in each. */
export function twoHosts(): TwoHosts {
  const tag = `pb${process.pid % 100000}x${++made}`;
  const a: Host = { ns: `${tag}a`, address: '10.77.0.1' };
  const b: Host = { ns: `${tag}b`, address: '10.77.0.2' };
  // Interface names are at most 15 characters and live in the root namespace until moved.
  const va = `${tag}va`;
  const vb = `${tag}vb`;
  ip('netns', 'add', a.ns);
  ip('netns', 'add', b.ns);
  ip('link', 'add', va, 'type', 'veth', 'peer', 'name', vb);
  ip('link', 'set', va, 'netns', a.ns);
  ip('link', 'set', vb, 'netns', b.ns);
  for (const [h, v] of [
    [a, va],
    [b, vb],
  ] as const) {
    ip('-n', h.ns, 'addr', 'add', `${h.address}/24`, 'dev', v);
    ip('-n', h.ns, 'link', 'set', v, 'up');
    ip('-n', h.ns, 'link', 'set', 'lo', 'up');
  }
  return {
    a,
    b,
    on: (h) => ['ip', 'netns', 'exec', h.ns],
    link: (up) => ip('-n', a.ns, 'link', 'set', va, up ? 'up' : 'down'),
    remove: () => {
      for (const h of [a, b]) spawnSync('ip', ['netns', 'del', h.ns], { stdio: 'ignore' });
    },
  };
}
