/**
 * The editor's server over real HTTP: graphs are read and written only inside the graph
 * folder, saves keep the file's comments, and validation answers with codes and positions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { mkdtemp, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEditorServer, type EditorServer } from '../../runtime/server/server.ts';
import { loadGraph } from '../../runtime/graph/index.ts';
import WebSocket from 'ws';

/** A raw request with the server's token: the path goes out exactly as written (no `..` normalising, unlike fetch). */
function raw(
  port: number,
  method: string,
  path: string,
  body?: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: any }> {
  return new Promise((ok, fail) => {
    const auth = { authorization: `Bearer ${server.token}` };
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        headers: { ...auth, ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = text;
          }
          ok({ status: res.statusCode ?? 0, json });
        });
      },
    );
    req.on('error', fail);
    req.end(body);
  });
}

const GRAPH = `patchbay: 1
name: tiny
# the recorder keeps every frame
nodes:
  camera:
    type: Camera
    params: {frames: 10}   # ten frames
  recorder:
    type: HDF5Sink
    params: {file: out/tiny.h5}
links:
  - camera.out -> recorder.in
`;

let root: string;
let dir: string;
let server: EditorServer;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'patchbay-server-'));
  dir = join(root, 'graphs');
  await mkdir(dir);
  await writeFile(join(dir, 'tiny.yaml'), GRAPH);
  await writeFile(join(root, 'secret.yaml'), 'patchbay: 1\nnodes: {}\nlinks: []\n');
  await symlink(join(root, 'secret.yaml'), join(dir, 'escape.yaml'));
  await symlink(root, join(dir, 'up'));
  server = await startEditorServer({ dir, port: 0 });
});

afterAll(async () => {
  await server?.close();
  await rm(root, { recursive: true, force: true });
});

describe('graph folder confinement', () => {
  it.each([
    ['raw ..', '/api/graphs/../../etc/passwd'],
    ['encoded ..', '/api/graphs/..%2F..%2Fetc%2Fpasswd'],
    ['encoded dots', '/api/graphs/%2e%2e%2f%2e%2e%2fetc%2fpasswd'],
    ['absolute', '/api/graphs/%2Fetc%2Fpasswd'],
    ['.. to a yaml outside', '/api/graphs/..%2Fsecret.yaml'],
    ['symlinked file out', '/api/graphs/escape.yaml'],
    ['symlinked folder out', '/api/graphs/up%2Fsecret.yaml'],
    ['static ..', '/../../etc/passwd'],
  ])('refuses %s with 403', async (_what, path) => {
    const res = await raw(server.port, 'GET', path);
    expect(res.status).toBe(403);
    expect(res.json.error.code).toBe('OUTSIDE_DIR');
  });

  it('refuses a name that is not .yaml with 400', async () => {
    const res = await raw(server.port, 'GET', '/api/graphs/notes.txt');
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('BAD_NAME');
  });

  it('refuses to write outside and writes nothing', async () => {
    const body = JSON.stringify({ graph: { patchbay: 1, nodes: {}, links: [] } });
    const res = await raw(server.port, 'PUT', '/api/graphs/..%2Foutside.yaml', body);
    expect(res.status).toBe(403);
    expect(existsSync(join(root, 'outside.yaml'))).toBe(false);
    const viaLink = await raw(server.port, 'PUT', '/api/graphs/escape.yaml', body);
    expect(viaLink.status).toBe(403);
    expect(await readFile(join(root, 'secret.yaml'), 'utf8')).toBe('patchbay: 1\nnodes: {}\nlinks: []\n');
  });

  it('lists only the graphs inside the folder', async () => {
    const res = await raw(server.port, 'GET', '/api/graphs');
    expect(res.status).toBe(200);
    expect(res.json.graphs.map((g: { name: string }) => g.name)).toEqual(['tiny.yaml']);
  });

  it('answers 404 for a graph that is not there', async () => {
    const res = await raw(server.port, 'GET', '/api/graphs/none.yaml');
    expect(res.status).toBe(404);
    expect(res.json.error.code).toBe('NOT_FOUND');
  });
});

describe('graphs through the API', () => {
  it('reads a graph with its text, parsed graph and errors', async () => {
    const res = await raw(server.port, 'GET', '/api/graphs/tiny.yaml');
    expect(res.status).toBe(200);
    expect(res.json.text).toBe(GRAPH);
    expect(res.json.errors).toEqual([]);
    expect(Object.keys(res.json.graph.nodes)).toEqual(['camera', 'recorder']);
  });

  it('saves as the CLI writes, keeping the comments of the file it replaces', async () => {
    const { json } = await raw(server.port, 'GET', '/api/graphs/tiny.yaml');
    const graph = json.graph;
    graph.nodes.camera.params.frames = 20;
    const res = await raw(server.port, 'PUT', '/api/graphs/tiny.yaml', JSON.stringify({ graph }));
    expect(res.status).toBe(200);
    const text = await readFile(join(dir, 'tiny.yaml'), 'utf8');
    expect(res.json.text).toBe(text);
    expect(text).toContain('# the recorder keeps every frame');
    const reloaded = loadGraph(text);
    expect(reloaded.errors).toEqual([]);
    expect(reloaded.graph?.nodes.camera.params.frames).toBe(20);
  });

  it('saves a new file with the comments of the one it came from (save as)', async () => {
    const { json } = await raw(server.port, 'GET', '/api/graphs/tiny.yaml');
    const res = await raw(
      server.port,
      'PUT',
      '/api/graphs/copy.yaml',
      JSON.stringify({ graph: json.graph, previousText: json.text }),
    );
    expect(res.status).toBe(200);
    expect(await readFile(join(dir, 'copy.yaml'), 'utf8')).toBe(json.text);
  });

  it('validates a graph and names the code and the node', async () => {
    const graph = { patchbay: 1, nodes: { camera: { type: 'Camera', params: { fps: -1 } } }, links: [] };
    const res = await raw(server.port, 'POST', '/api/validate', JSON.stringify({ graph }));
    expect(res.status).toBe(200);
    const codes = res.json.errors.map((e: { code: string }) => e.code);
    expect(codes).toContain('PARAM_OUT_OF_RANGE');
    expect(res.json.errors.find((e: { code: string }) => e.code === 'PARAM_OUT_OF_RANGE')).toMatchObject({
      node: 'camera',
      param: 'fps',
    });
  });

  it('validates a text with lines and columns', async () => {
    const text = 'patchbay: 1\nnodes:\n  cam:\n    type: Camra\nlinks: []\n';
    const res = await raw(server.port, 'POST', '/api/validate', JSON.stringify({ text }));
    expect(res.json.errors[0]).toMatchObject({ code: 'UNKNOWN_TYPE', node: 'cam', line: 4 });
  });

  it('serves the node catalog from the registry', async () => {
    const res = await raw(server.port, 'GET', '/api/catalog');
    expect(res.json.nodeTypes.map((d: { type: string }) => d.type)).toEqual([
      'Camera',
      'Publish',
      'Subscribe',
      'Push',
      'Pull',
      'Request',
      'Reply',
      'FFT',
      'Copy',
      'HDF5Sink',
      'HDF5Source',
      'Script',
      'Python',
    ]);
  });

  it('refuses a body that is not JSON with 400', async () => {
    const res = await raw(server.port, 'POST', '/api/validate', '{nope');
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('BAD_REQUEST');
  });
});

describe('only pages of this server may use it', () => {
  it('refuses a request whose Host is another name (DNS rebinding)', async () => {
    const res = await raw(server.port, 'GET', '/api/graphs', undefined, { host: `evil.example:${server.port}` });
    expect(res.status).toBe(403);
    expect(res.json.error.code).toBe('FOREIGN_ORIGIN');
  });

  it('refuses a request from a page of another origin', async () => {
    const body = JSON.stringify({ graph: { patchbay: 1, nodes: {}, links: [] } });
    const res = await raw(server.port, 'PUT', '/api/graphs/planted.yaml', body, { origin: 'http://evil.example' });
    expect(res.status).toBe(403);
    expect(existsSync(join(dir, 'planted.yaml'))).toBe(false);
  });

  it('accepts its own origin and refuses a WebSocket from another', async () => {
    const own = await raw(server.port, 'GET', '/api/graphs', undefined, { origin: `http://127.0.0.1:${server.port}` });
    expect(own.status).toBe(200);
    const status = await new Promise<number>((ok, fail) => {
      const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws`, {
        origin: 'http://evil.example',
        headers: { authorization: `Bearer ${server.token}` },
      });
      ws.on('unexpected-response', (_req, res) => ok(res.statusCode ?? 0));
      ws.on('open', () => {
        ws.close();
        fail(new Error('a foreign origin opened the run channel'));
      });
      ws.on('error', (e) => fail(e));
    });
    expect(status).toBe(403);
  });

  it('opens the run channel for its own pages and tells the run state', async () => {
    const first = await new Promise<unknown>((ok, fail) => {
      const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws`, {
        origin: `http://127.0.0.1:${server.port}`,
        headers: { authorization: `Bearer ${server.token}` },
      });
      ws.on('message', (d) => {
        ok(JSON.parse(String(d)));
        ws.close();
      });
      ws.on('error', fail);
    });
    expect(first).toEqual({ type: 'status', state: 'idle' });
  });
});
