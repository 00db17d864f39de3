/** The editor's calls to its server (runtime/server/server.ts). */
import type { NodeDecl } from '../../nodes/types.ts';
import type { Graph, GraphError } from '../../runtime/graph/types.ts';
import type { ClientMessage, ServerMessage } from '../../runtime/server/protocol.ts';

/** An error answered by the server: its code (from the server's closed set) and text. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json()) as T & { error?: { code: string; message: string } };
  if (!res.ok) throw new ApiError(json.error?.code ?? 'HTTP', json.error?.message ?? res.statusText, res.status);
  return json;
}

export interface GraphFileInfo {
  name: string;
  bytes: number;
  modified: string;
}

export interface LoadedGraph {
  name?: string;
  text: string;
  graph?: Graph;
  errors: GraphError[];
}

export const api = {
  catalog: () => call<{ nodeTypes: NodeDecl[] }>('GET', 'api/catalog').then((r) => r.nodeTypes),
  list: () => call<{ graphs: GraphFileInfo[] }>('GET', 'api/graphs').then((r) => r.graphs),
  read: (name: string) => call<LoadedGraph>('GET', `api/graphs/${encodeURIComponent(name)}`),
  /** `previousText`: the file as this editor opened it; the server refuses (CHANGED_ON_DISK) when the file holds something else now, unless `force`. */
  save: (name: string, graph: Graph, previousText?: string, force = false) =>
    call<{ name: string; text: string; errors: GraphError[] }>('PUT', `api/graphs/${encodeURIComponent(name)}`, {
      graph,
      previousText,
      ...(force ? { force: true } : {}),
    }),
  validateGraph: (graph: Graph, previousText?: string) =>
    call<{ text: string; errors: GraphError[] }>('POST', 'api/validate', { graph, previousText }),
  parseText: (text: string, name?: string) => call<LoadedGraph>('POST', 'api/validate', { text, name }),
};

/** The run channel: reconnects when the server comes back. */
export class RunChannel {
  private ws: WebSocket | undefined;
  private closed = false;
  constructor(
    private readonly onMessage: (m: ServerMessage) => void,
    private readonly onOpen: (open: boolean) => void,
  ) {
    this.connect();
  }

  private connect(): void {
    const url = new URL('ws', location.href);
    url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(url);
    this.ws = ws;
    ws.onopen = () => this.onOpen(true);
    ws.onmessage = (ev) => this.onMessage(JSON.parse(String(ev.data)) as ServerMessage);
    ws.onclose = () => {
      this.onOpen(false);
      if (!this.closed) setTimeout(() => this.connect(), 1000);
    };
  }

  send(msg: ClientMessage): void {
    if (this.ws?.readyState !== WebSocket.OPEN) throw new ApiError('NOT_CONNECTED', 'not connected to the server', 0);
    this.ws.send(JSON.stringify(msg));
  }

  close(): void {
    this.closed = true;
    this.ws?.close();
  }
}
