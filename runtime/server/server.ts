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
import { loadGraph, validateGraph, serializeGraph } from '../graph/index.ts';
import type { Graph, GraphError } from '../graph/types.ts';
import { GraphFolder, ServerError } from './graph-files.ts';
import { RunSession } from './run-session.ts';
import type { ClientMessage, ServerMessage } from './protocol.ts';

export interface EditorServerOptions {
  /** The graph folder: the only place graphs are read from and written to. */
  dir: string;
  /** The built editor (index.html and assets); API only when absent. */
  staticDir?: string;
  /** 0 picks a free port. Default 8080. */
  port?: number;
  /** Default 127.0.0.1: the editor runs graphs and writes files, so it is not for the network. */
  host?: string;
}

export interface EditorServer {
  /** http://127.0.0.1:PORT/ */
  url: string;
  port: number;
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

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new ServerError('BAD_REQUEST', `request body must be at most ${MAX_BODY} bytes, got more`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new ServerError('BAD_REQUEST', `request body must be JSON: ${(e as Error).message}`);
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(text);
}

function isGraph(x: unknown): x is Graph {
  if (typeof x !== 'object' || x === null) return false;
  const g = x as Partial<Graph>;
  return typeof g.nodes === 'object' && g.nodes !== null && Array.isArray(g.links);
}

function bodyGraph(body: unknown): Graph {
  const g = (body as { graph?: unknown }).graph;
  if (!isGraph(g)) throw new ServerError('BAD_REQUEST', 'body.graph must be a graph object {patchbay, nodes, links}, got ' + typeof g);
  return { ...g, patchbay: 1 };
}

function optionalText(body: unknown, key: string): string | undefined {
  const v = (body as Record<string, unknown>)[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new ServerError('BAD_REQUEST', `body.${key} must be a string, got ${typeof v}`);
  return v;
}

/** Errors of a graph as the CLI would report them: with lines and columns of the text it would save. */
function checkGraph(graph: Graph, previous?: string): { text: string; errors: GraphError[] } {
  const text = serializeGraph(graph, previous);
  const loaded = loadGraph(text);
  const errors = loaded.errors.length > 0 ? loaded.errors : validateGraph(graph);
  return { text, errors };
}

/** Starts the editor's server. */
export async function startEditorServer(options: EditorServerOptions): Promise<EditorServer> {
  const folder = await GraphFolder.open(options.dir);
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
  const session = new RunSession(broadcast);

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
        throw new ServerError('BAD_NAME', `graph name must be URL-encoded UTF-8, got ${JSON.stringify(path)} (${(e as Error).message})`);
      }
      if (method === 'GET') {
        const text = await folder.read(name);
        const { graph, errors } = loadGraph(text, name);
        return sendJson(res, 200, { name, text, graph, errors });
      }
      if (method === 'PUT') {
        const body = await readBody(req);
        const graph = bodyGraph(body);
        await folder.resolve(name);
        const previous = optionalText(body, 'previousText') ?? (await folder.readIfExists(name));
        const { text, errors } = checkGraph(graph, previous);
        await folder.write(name, text);
        return sendJson(res, 200, { name, text, errors });
      }
      throw new ServerError('METHOD_NOT_ALLOWED', `${path} takes GET or PUT, got ${method}`);
    }
    if (path === '/api/validate' || path === '/api/serialize') {
      if (method !== 'POST') throw new ServerError('METHOD_NOT_ALLOWED', `${path} takes POST, got ${method}`);
      const body = await readBody(req);
      const text = optionalText(body, 'text');
      if (text !== undefined) {
        const loaded = loadGraph(text, optionalText(body, 'name'));
        return sendJson(res, 200, { text, graph: loaded.graph, errors: loaded.errors });
      }
      const graph = bodyGraph(body);
      return sendJson(res, 200, checkGraph(graph, optionalText(body, 'previousText')));
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
    if (r.startsWith('..') || isAbsolute(r)) throw new ServerError('OUTSIDE_DIR', `${JSON.stringify(path)} is outside the editor`);
    const s = await stat(file).catch(() => undefined);
    const target = s?.isFile() ? file : join(staticDir, 'index.html');
    const body = await readFile(target).catch((e: unknown) => {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new ServerError('NOT_FOUND', `no file ${JSON.stringify(path)}`);
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
    if (!allowed.has(req.headers.host ?? '')) return `host ${JSON.stringify(req.headers.host ?? '')} is not this server`;
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

  const server = createServer((req, res) => {
    const raw = req.url ?? '/';
    const path = raw.split('?')[0];
    const route = async (): Promise<void> => {
      const why = foreign(req);
      if (why) throw new ServerError('FOREIGN_ORIGIN', `refused: ${why}`);
      let decoded: string;
      try {
        decoded = decodeURIComponent(path);
      } catch (e) {
        throw new ServerError('BAD_REQUEST', `path must be URL-encoded UTF-8, got ${JSON.stringify(path)} (${(e as Error).message})`);
      }
      // Refuse any `..` segment before routing, encoded or not: clients may skip normalising.
      // Graph names get the same check, with their own message, in GraphFolder.resolve.
      if (decoded.split(/[\\/]/).includes('..') && !path.startsWith('/api/graphs/')) {
        throw new ServerError('OUTSIDE_DIR', `path ${JSON.stringify(path)} must not contain ..`);
      }
      return path.startsWith('/api/') ? api(req, res, path) : serveStatic(res, path);
    };
    const handle = route();
    handle.catch((e: unknown) => {
      const err = e instanceof ServerError ? e : new ServerError('INTERNAL', (e as Error)?.message ?? String(e));
      if (!(e instanceof ServerError)) process.stderr.write(`patchbay edit: ${req.method} ${path}: ${(e as Error)?.stack ?? String(e)}\n`);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      sendJson(res, err.status, { error: { code: err.code, message: err.message, details: err.details } });
    });
  });

  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    const why = foreign(req);
    if ((req.url ?? '').split('?')[0] !== '/ws' || why) {
      socket.end(`HTTP/1.1 ${why ? '403 Forbidden' : '404 Not Found'}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      ws.send(JSON.stringify({ type: 'status', ...session.status() } satisfies ServerMessage));
      ws.on('message', (data) => {
        let msg: ClientMessage;
        try {
          msg = JSON.parse(data.toString()) as ClientMessage;
        } catch (e) {
          ws.send(JSON.stringify({ type: 'error', code: 'BAD_REQUEST', message: `message must be JSON: ${(e as Error).message}` } satisfies ServerMessage));
          return;
        }
        session.handle(msg).catch((e: unknown) => {
          const err = e instanceof ServerError ? e : new ServerError('INTERNAL', (e as Error)?.message ?? String(e));
          if (!(e instanceof ServerError)) process.stderr.write(`patchbay edit: run: ${(e as Error)?.stack ?? String(e)}\n`);
          ws.send(JSON.stringify({ type: 'error', code: err.code, message: err.message, details: err.details } satisfies ServerMessage));
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
  const port = (server.address() as AddressInfo).port;
  const host = options.host ?? '127.0.0.1';
  return {
    url: `http://${host}:${port}/`,
    port,
    async close() {
      await session.close();
      for (const ws of sockets) ws.terminate();
      await new Promise<void>((ok) => wss.close(() => ok()));
      server.closeAllConnections();
      await new Promise<void>((ok, fail) => server.close((e) => (e ? fail(e) : ok())));
    },
  };
}
