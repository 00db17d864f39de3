/**
 * The editor's server: the built editor app, a small JSON API over the graph folder, and a
 * WebSocket that runs a graph through the same runtime as `patchbay run` and streams its
 * stats, failures and frame previews. Plain node:http + ws.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, relative, resolve, isAbsolute } from 'node:path';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, WebSocket } from 'ws';
import { nodeTypes } from '../../nodes/registry.ts';
import { GraphFolder, ServerError } from './graph-files.ts';
import { RunSession } from './run-session.ts';
import type { ClientMessage, ServerMessage } from './protocol.ts';
import { GraphChecker } from './checker.ts';
import type { CheckAnswer, CheckJob } from './graph-check.ts';
import { newToken, offeredToken, queryToken, sameToken, setCookieHeader, tokenProblem } from './token.ts';

export interface EditorServerOptions {
  /** The graph folder: the only place graphs are read from and written to. */
  dir: string;
  /** The built editor (index.html and assets); API only when absent. */
  staticDir?: string;
  /** 0 picks a free port. Default 8080. */
  port?: number;
  /** Default 127.0.0.1: the editor runs graphs and writes files, so it is not for the network. */
  host?: string;
  /**
   * The secret every /api request and the WebSocket must carry (see token.ts); default: 32
   * random bytes. One set by the user must be 32+ URL-safe characters.
   */
  token?: string;
  /** How long checking one document may take (default 30 s); then TOO_COMPLEX. */
  checkTimeLimitMs?: number;
}

export interface EditorServer {
  /** What to open: http://127.0.0.1:PORT/?token=TOKEN (the page keeps the token as a cookie). */
  url: string;
  port: number;
  token: string;
  /** Stops a running graph (awaiting its end), closes every WebSocket and the HTTP server. */
  close(): Promise<void>;
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

const MAX_BODY = 4 * 1024 * 1024;

/**
 * The body as text, refused past MAX_BODY before it is all in memory. The rest of a refused body
 * is read and dropped, so the answer reaches a client that is still sending.
 */
function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((ok, fail) => {
    const declared = Number(req.headers['content-length']);
    if (declared > MAX_BODY) {
      req.resume();
      fail(new ServerError('TOO_LARGE', `request body must be at most ${MAX_BODY} bytes, got ${declared}`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > MAX_BODY) {
        over = true;
        chunks.length = 0;
        fail(new ServerError('TOO_LARGE', `request body must be at most ${MAX_BODY} bytes, got more`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!over) ok(Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', fail);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  sendJsonText(res, status, JSON.stringify(body), headers);
}

function sendJsonText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(text);
}

/** The checker's answer as the client's, or its error as a ServerError-shaped body. */
function sendAnswer(res: ServerResponse, a: CheckAnswer, what: string): void {
  if (a.ok) return sendJsonText(res, 200, a.json);
  if (a.internal) process.stderr.write(`patchbay edit: ${what}: ${a.internal}\n`);
  sendJson(res, a.status, { error: { code: a.code, message: a.message, details: a.details } });
}

/** Starts the editor's server. */
export async function startEditorServer(options: EditorServerOptions): Promise<EditorServer> {
  const token = options.token ?? newToken();
  const weak = tokenProblem(token);
  if (weak) throw new ServerError('BAD_TOKEN', `the token ${weak}`);
  const folder = await GraphFolder.open(options.dir);
  const checker = new GraphChecker(options.checkTimeLimitMs ?? 30_000);
  const check = (job: CheckJob): Promise<CheckAnswer> => checker.run(job);
  const staticDir = options.staticDir ? resolve(options.staticDir) : undefined;
  const sockets = new Set<WebSocket>();
  const broadcast = (msg: ServerMessage): void => {
    const text = JSON.stringify(msg);
    for (const ws of sockets) {
      // A client that cannot keep up misses previews rather than growing the server's memory.
      if (msg.type === 'preview' && ws.bufferedAmount > 1_000_000) continue;
      if (ws.readyState === WebSocket.OPEN) ws.send(text);
    }
  };
  const session = new RunSession(broadcast, folder.dir);

  async function api(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const method = req.method ?? 'GET';
    if (path === '/api/catalog') {
      if (method !== 'GET') throw new ServerError('METHOD_NOT_ALLOWED', `${path} takes GET, got ${method}`);
      return sendJson(res, 200, { nodeTypes });
    }
    if (path === '/api/graphs') {
      if (method !== 'GET') throw new ServerError('METHOD_NOT_ALLOWED', `${path} takes GET, got ${method}`);
      return sendJson(res, 200, { graphs: await folder.list() });
    }
    if (path.startsWith('/api/graphs/')) {
      let name: string;
      try {
        name = decodeURIComponent(path.slice('/api/graphs/'.length));
      } catch (e) {
        throw new ServerError(
          'BAD_NAME',
          `graph name must be URL-encoded UTF-8, got ${JSON.stringify(path)} (${(e as Error).message})`,
        );
      }
      if (method === 'GET') {
        const text = await folder.read(name);
        return sendAnswer(res, await check({ op: 'load', name, text }), `${method} ${path}`);
      }
      if (method === 'PUT') {
        const body = await readBody(req);
        await folder.resolve(name);
        const fileText = await folder.readIfExists(name).catch((e: unknown) => {
          // A folder of that name: the write below refuses it with BAD_NAME.
          if ((e as NodeJS.ErrnoException).code === 'EISDIR') return undefined;
          throw e;
        });
        const a = await check({ op: 'save', name, body, fileText });
        if (a.ok && a.write !== undefined) await folder.write(name, a.write);
        return sendAnswer(res, a, `${method} ${path}`);
      }
      throw new ServerError('METHOD_NOT_ALLOWED', `${path} takes GET or PUT, got ${method}`);
    }
    if (path === '/api/validate' || path === '/api/serialize') {
      if (method !== 'POST') throw new ServerError('METHOD_NOT_ALLOWED', `${path} takes POST, got ${method}`);
      const body = await readBody(req);
      return sendAnswer(res, await check({ op: 'validate', body }), `${method} ${path}`);
    }
    if (path === '/api/run') {
      if (method !== 'GET') throw new ServerError('METHOD_NOT_ALLOWED', `${path} takes GET, got ${method}`);
      return sendJson(res, 200, session.status());
    }
    throw new ServerError('NOT_FOUND', `no API at ${path}`);
  }

  async function serveStatic(res: ServerResponse, path: string): Promise<void> {
    if (!staticDir) throw new ServerError('NOT_FOUND', 'the editor is not built; run `patchbay edit` to build it');
    const rel = path === '/' ? 'index.html' : decodeURIComponent(path).replace(/^\/+/, '');
    const file = resolve(staticDir, rel);
    const r = relative(staticDir, file);
    if (r.startsWith('..') || isAbsolute(r))
      throw new ServerError('OUTSIDE_DIR', `${JSON.stringify(path)} is outside the editor`);
    const s = await stat(file).catch(() => undefined);
    const target = s?.isFile() ? file : join(staticDir, 'index.html');
    const body = await readFile(target).catch((e: unknown) => {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT')
        throw new ServerError('NOT_FOUND', `no file ${JSON.stringify(path)}`);
      throw e;
    });
    const immutable = target.includes(`${join(staticDir, 'assets')}`);
    res.writeHead(200, {
      'content-type': MIME[extname(target)] ?? 'application/octet-stream',
      'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
    res.end(body);
  }

  /**
   * Only pages served from here may use the API: a web page elsewhere (or a DNS name
   * rebound to 127.0.0.1) must not run graphs or write files through a user's browser.
   */
  const local = (): Set<string> => {
    const p = (server.address() as AddressInfo | null)?.port;
    return new Set([`127.0.0.1:${p}`, `localhost:${p}`, `[::1]:${p}`]);
  };
  const foreign = (req: IncomingMessage): string | undefined => {
    const allowed = local();
    if (!allowed.has(req.headers.host ?? ''))
      return `host ${JSON.stringify(req.headers.host ?? '')} is not this server`;
    const origin = req.headers.origin;
    if (origin === undefined) return undefined;
    let host: string;
    try {
      host = new URL(origin).host;
    } catch (e) {
      if (!(e instanceof TypeError)) throw e;
      return `origin ${JSON.stringify(origin)} is not a URL`;
    }
    return allowed.has(host) ? undefined : `origin ${JSON.stringify(origin)} is not this server`;
  };

  const listening = (): number => (server.address() as AddressInfo).port;

  /** Why a request may not come in, or undefined when it carries this server's token. */
  const locked = (req: IncomingMessage): ServerError | undefined => {
    const offered = offeredToken(req, listening());
    if (!offered) {
      return new ServerError(
        'TOKEN_REQUIRED',
        'this editor asks for its token: open the URL that patchbay edit printed (it ends in ?token=...), or send Authorization: Bearer TOKEN',
      );
    }
    if (!sameToken(offered.token, token)) {
      return new ServerError(
        'BAD_TOKEN',
        `the token in the ${offered.from} is not this editor's: open the URL that patchbay edit printed last`,
      );
    }
    return undefined;
  };

  /**
   * The printed URL, opened: the token becomes a cookie and leaves the address bar (and the
   * browser's history) by a redirect to the same page without it.
   */
  const enter = (req: IncomingMessage, res: ServerResponse, raw: string): boolean => {
    const offered = queryToken(raw);
    if (offered === undefined) return false;
    if (!sameToken(offered, token))
      throw new ServerError(
        'BAD_TOKEN',
        "the token in the URL is not this editor's: open the URL that patchbay edit printed last",
      );
    const [path, query = ''] = raw.split(/\?(.*)/s);
    const rest = new URLSearchParams(query);
    rest.delete('token');
    const search = rest.toString();
    res.writeHead(303, {
      location: search ? `${path}?${search}` : path,
      'set-cookie': setCookieHeader(listening(), token),
      'cache-control': 'no-store',
    });
    res.end();
    return true;
  };

  const server = createServer((req, res) => {
    const raw = req.url ?? '/';
    const path = raw.split('?')[0];
    const route = async (): Promise<void> => {
      const why = foreign(req);
      if (why) throw new ServerError('FOREIGN_ORIGIN', `refused: ${why}`);
      // Before reading a byte of the body: a request without the token gets nothing done.
      if (path.startsWith('/api/') || path === '/api') {
        const denied = locked(req);
        if (denied) throw denied;
      }
      let decoded: string;
      try {
        decoded = decodeURIComponent(path);
      } catch (e) {
        throw new ServerError(
          'BAD_REQUEST',
          `path must be URL-encoded UTF-8, got ${JSON.stringify(path)} (${(e as Error).message})`,
        );
      }
      // Refuse any `..` segment before routing, encoded or not: clients may skip normalising.
      // Graph names get the same check, with their own message, in GraphFolder.resolve.
      if (decoded.split(/[\\/]/).includes('..') && !path.startsWith('/api/graphs/')) {
        throw new ServerError('OUTSIDE_DIR', `path ${JSON.stringify(path)} must not contain ..`);
      }
      if (path.startsWith('/api/')) return api(req, res, path);
      if ((req.method === 'GET' || req.method === 'HEAD') && enter(req, res, raw)) return;
      // The node reference the help panels link to (docs/nodes.md#push), as text.
      if (path === '/docs/nodes.md') {
        res.writeHead(200, { 'content-type': 'text/markdown; charset=utf-8', 'cache-control': 'no-cache' });
        res.end(await readFile(new URL('../../docs/nodes.md', import.meta.url)));
        return;
      }
      return serveStatic(res, path);
    };
    const handle = route();
    handle.catch((e: unknown) => {
      const err = e instanceof ServerError ? e : new ServerError('INTERNAL', (e as Error)?.message ?? String(e));
      if (!(e instanceof ServerError))
        process.stderr.write(`patchbay edit: ${req.method} ${path}: ${(e as Error)?.stack ?? String(e)}\n`);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const headers: Record<string, string> =
        err.code === 'TOKEN_REQUIRED' ? { 'www-authenticate': 'Bearer realm="patchbay"' } : {};
      // A stranger's upload is not read: the connection closes instead.
      if (err.code === 'TOKEN_REQUIRED' || err.code === 'BAD_TOKEN') headers.connection = 'close';
      sendJson(res, err.status, { error: { code: err.code, message: err.message, details: err.details } }, headers);
    });
  });

  // A message as large as an HTTP body at most: ws would otherwise take 100 MiB.
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_BODY });
  server.on('upgrade', (req, socket, head) => {
    const why = foreign(req);
    const refused = why
      ? new ServerError('FOREIGN_ORIGIN', `refused: ${why}`)
      : (req.url ?? '').split('?')[0] !== '/ws'
        ? new ServerError('NOT_FOUND', `no WebSocket at ${JSON.stringify(req.url ?? '')}; it is /ws`)
        : locked(req);
    if (refused) {
      const body = JSON.stringify({ error: { code: refused.code, message: refused.message } });
      const reason = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found' }[refused.status] ?? 'Refused';
      socket.end(
        `HTTP/1.1 ${refused.status} ${reason}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      // Taps answer this editor alone; one that cannot keep up misses some, as with previews.
      const client = {
        send: (m: ServerMessage) => {
          if (ws.readyState === WebSocket.OPEN && ws.bufferedAmount <= 1_000_000) ws.send(JSON.stringify(m));
        },
      };
      ws.on('close', () => {
        sockets.delete(ws);
        session.leave(client);
      });
      ws.send(JSON.stringify({ type: 'status', ...session.status() } satisfies ServerMessage));
      const running = session.joining();
      if (running) ws.send(JSON.stringify(running));
      ws.on('message', (data) => {
        let msg: ClientMessage;
        try {
          msg = JSON.parse(data.toString()) as ClientMessage;
        } catch (e) {
          ws.send(
            JSON.stringify({
              type: 'error',
              code: 'BAD_REQUEST',
              message: `message must be JSON: ${(e as Error).message}`,
            } satisfies ServerMessage),
          );
          return;
        }
        if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) {
          ws.send(
            JSON.stringify({
              type: 'error',
              code: 'BAD_REQUEST',
              message: `message must be a JSON object {op, ...}, got ${JSON.stringify(msg)}`,
            } satisfies ServerMessage),
          );
          return;
        }
        session.handle(msg, client).catch((e: unknown) => {
          const err = e instanceof ServerError ? e : new ServerError('INTERNAL', (e as Error)?.message ?? String(e));
          if (!(e instanceof ServerError))
            process.stderr.write(`patchbay edit: run: ${(e as Error)?.stack ?? String(e)}\n`);
          ws.send(
            JSON.stringify({
              type: 'error',
              code: err.code,
              message: err.message,
              details: err.details,
            } satisfies ServerMessage),
          );
        });
      });
    });
  });

  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 8080, options.host ?? '127.0.0.1', () => {
      server.off('error', fail);
      ok();
    });
  });
  void checker
    .warmUp()
    .catch((e: Error) =>
      process.stderr.write(`patchbay edit: the graph checker could not start: ${e.stack ?? e.message}\n`),
    );
  const port = (server.address() as AddressInfo).port;
  const host = options.host ?? '127.0.0.1';
  return {
    url: `http://${host}:${port}/?token=${token}`,
    port,
    token,
    async close() {
      await session.close();
      await checker.close();
      for (const ws of sockets) ws.terminate();
      await new Promise<void>((ok) => wss.close(() => ok()));
      server.closeAllConnections();
      await new Promise<void>((ok, fail) => server.close((e) => (e ? fail(e) : ok())));
    },
  };
}
