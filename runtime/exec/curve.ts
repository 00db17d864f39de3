/**
 * `secure: true` at run time: ZeroMQ CURVE between the hosts of a graph. The plan says which
 * sockets are servers and whose clients (compile.ts); here each run loads the keys (the public
 * key files the graph's hosts: map names, and this machine's secret files beside them), sets them
 * on its sockets as they bind or connect, and answers ZeroMQ's authentication requests (ZAP):
 * a client whose key is not one of the graph's hosts is refused, and counted on the node.
 */
import { dirname, isAbsolute, resolve } from 'node:path';
import * as zmq from 'zeromq';
import type { Plan, PlanSocket } from '../compile/plan.ts';
import { readKeyPair, readPublicKey, type KeyPair } from '../keys/cert.ts';
import { ExecError } from './errors.ts';

/** What one socket needs: its own pair, and the server's public key when it connects. */
interface Setup {
  own: KeyPair;
  serverKey?: string;
  /** A peer refused (wrong key, or a plain peer at a CURVE socket): counted on the node. */
  refused(address: string, why: string): void;
}

/** The setups of the sockets of every run in this process, by socket (node, type, side, endpoint). */
const setups = new Map<string, Setup>();
const keyOf = (s: PlanSocket) => `${s.node}\0${s.type}\0${s.side}\0${s.endpoint}`;

/**
 * Loads the keys a run needs and registers its sockets' setups; returns what undoes it at the
 * end of the run. `base` is the directory key paths are relative to (the graph file's).
 */
export async function secureRun(
  plan: Plan,
  nodes: ReadonlySet<string>,
  base: string,
  refused: (node: string, address: string, why: string) => void,
): Promise<() => void> {
  const mine = plan.sockets.filter((s) => s.secure && nodes.has(s.node));
  if (mine.length === 0) return () => {};
  const file = (host: string): string => {
    const key = plan.hosts?.[host]?.key;
    if (!key) throw new ExecError('BAD_PLAN', `secure: true, but host ${host} has no key in the graph's hosts: map`);
    return isAbsolute(key) ? key : resolve(base, key);
  };
  const pairs = new Map<string, KeyPair>();
  const publics = new Map<string, string>();
  for (const host of Object.keys(plan.hosts ?? {}))
    if (plan.hosts![host].key) publics.set(host, await loadKey(() => readPublicKey(file(host)), host, 'public'));
  for (const s of mine) {
    const host = s.secure!.host;
    if (!pairs.has(host)) pairs.set(host, await loadKey(() => readKeyPair(`${file(host)}_secret`), host, 'secret'));
    const serverHost = 'serverHost' in s.secure! ? s.secure!.serverHost : undefined;
    const setup: Setup = { own: pairs.get(host)!, refused: (address, why) => refused(s.node, address, why) };
    if (serverHost) {
      const key = publics.get(serverHost);
      if (!key)
        throw new ExecError(
          'BAD_PLAN',
          `secure: true, but host ${serverHost} has no key in the graph's hosts: map`,
          s.node,
        );
      setup.serverKey = key;
    }
    setups.set(keyOf(s), setup);
  }
  const allowed = [...publics.values()];
  await zap.allow(allowed);
  return () => {
    for (const s of mine) setups.delete(keyOf(s));
    zap.release(allowed);
  };
}

async function loadKey<T>(read: () => Promise<T>, host: string, which: 'public' | 'secret'): Promise<T> {
  try {
    return await read();
  } catch (e) {
    const hint =
      which === 'secret'
        ? ` (this machine runs ${host}'s nodes: its secret file stays here; patchbay keys ${host} writes the pair)`
        : '';
    throw new ExecError('BAD_PLAN', `secure: true: cannot read ${host}'s ${which} key: ${(e as Error).message}${hint}`);
  }
}

/** Sets CURVE on a socket before it binds or connects, when the run made it secure. */
export function applyCurve(socket: zmq.Socket, s: PlanSocket): void {
  const setup = setups.get(keyOf(s));
  if (!setup) return;
  if (setup.serverKey) {
    socket.curveServerKey = setup.serverKey;
    socket.curvePublicKey = setup.own.publicKey;
    socket.curveSecretKey = setup.own.secretKey;
    socket.events.on('handshake:error:auth', (e) =>
      setup.refused(
        e.address,
        `the server refused this machine's key: is the public key the graph names for ${s.secure!.host} the one beside this machine's secret file?`,
      ),
    );
    socket.events.on('handshake:error:protocol', (e) =>
      setup.refused(
        e.address,
        `no CURVE handshake with the server (${e.error.message}): does it hold the key the graph names for it?`,
      ),
    );
    return;
  }
  socket.curveServer = true;
  socket.curveSecretKey = setup.own.secretKey;
  socket.zapDomain = 'patchbay';
  socket.events.on('handshake:error:auth', (e) => setup.refused(e.address, "its key is not one of the graph's hosts"));
  socket.events.on('handshake:error:protocol', (e) =>
    setup.refused(e.address, `no CURVE handshake (${e.error.message})`),
  );
}

/** The process's one ZAP handler (ZeroMQ asks it about every CURVE client): the allowed keys of every run. */
const zap = new (class {
  private socket?: zmq.Reply;
  private readonly keys = new Map<string, number>();

  async allow(keys: string[]): Promise<void> {
    for (const k of keys) this.keys.set(k, (this.keys.get(k) ?? 0) + 1);
    if (this.socket) return;
    this.socket = new zmq.Reply({ linger: 0 });
    await this.socket.bind('inproc://zeromq.zap.01');
    void this.serve(this.socket);
  }

  release(keys: string[]): void {
    for (const k of keys) {
      const n = (this.keys.get(k) ?? 1) - 1;
      if (n > 0) this.keys.set(k, n);
      else this.keys.delete(k);
    }
    // No secure run left: the handler goes, so it does not keep the process alive.
    if (this.keys.size === 0 && this.socket) {
      this.socket.close();
      this.socket = undefined;
    }
  }

  private async serve(socket: zmq.Reply): Promise<void> {
    try {
      for await (const [version, id, , , , mechanism, key] of socket) {
        const ok = mechanism?.toString() === 'CURVE' && key?.length === 32 && this.keys.has(z85(key));
        await socket.send([version, id, ok ? '200' : '400', ok ? 'OK' : 'key not allowed', '', '']);
      }
    } catch (e) {
      // Closed while waiting (the last secure run ended): nothing to answer any more.
      if (!socket.closed) throw e;
    }
  }
})();

const Z85 = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#';

/** Z85 (ZeroMQ RFC 32) of bytes whose length is a multiple of 4: how key files write a key. */
export function z85(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 4) {
    let v = ((bytes[i] << 24) | (bytes[i + 1] << 16) | (bytes[i + 2] << 8) | bytes[i + 3]) >>> 0;
    let chunk = '';
    for (let j = 0; j < 5; j++) {
      chunk = Z85[v % 85] + chunk;
      v = Math.floor(v / 85);
    }
    out += chunk;
  }
  return out;
}

/** The directory a graph file's relative key paths start from. */
export function keyBase(file: string | undefined): string {
  return file ? dirname(resolve(file)) : process.cwd();
}
