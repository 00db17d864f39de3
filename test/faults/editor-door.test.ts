/**
 * The editor's door (issue 20, item 8): the server runs graphs and writes files, and every
 * process on the machine can reach 127.0.0.1. Without the token nothing gets in; a malformed
 * body is the client's mistake (400 with a code), never a crash; a huge document is checked
 * off the event loop that runs graphs. The server is a real process on a free port, talked to
 * over real HTTP and WebSockets.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import WebSocket from 'ws';
import { LineCounter, parseDocument, isMap } from 'yaml';
import { start, type Child } from '../helpers/child.ts';
import { parseUnique, Aliases } from '../../runtime/graph/yaml-doc.ts';
import { chains } from '../../bench/lib/documents.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const RUNNER = fileURLToPath(new URL('./editor-door-server.ts', import.meta.url));

interface Server {
  child: Child;
  port: number;
  token: string;
  dir: string;
}

const dirs: string[] = [];
const servers: Server[] = [];

async function serve(env: Record<string, string> = {}): Promise<Server> {
  const dir = mkdtempSync(join(tmpdir(), 'patchbay-door-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'graphs'));
  mkdirSync(join(dir, 'out'));
  const saved = { ...process.env };
  Object.assign(process.env, env);
  let child: Child;
  try {
    child = start(process.execPath, [join(ROOT, 'bin/run-ts.js'), RUNNER, join(dir, 'graphs')], { cwd: dir });
  } finally {
    for (const k of Object.keys(env))
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
  }
  const line = await Promise.race([
    child.line((l) => l.startsWith('serving ')),
    child.exit.then((e) => Promise.reject(new Error(`the server exited with ${e.code}: ${e.stderr}`))),
  ]);
  const m = /^serving http:\/\/127\.0\.0\.1:(\d+)\/\?token=([A-Za-z0-9_-]+)$/.exec(line);
  if (!m) throw new Error(`not the URL with a token: ${line}`);
  const s = { child, port: Number(m[1]), token: m[2], dir };
  servers.push(s);
  return s;
}

async function stop(s: Server): Promise<{ code: number | null; stderr: string }> {
  s.child.kill('SIGTERM');
  return s.child.exit;
}

afterAll(async () => {
  for (const s of servers) {
    s.child.kill('SIGTERM');
    await s.child.exit;
  }
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface Reply {
  status: number;
  json: any;
  /** When the request's body had left (the server has it from then on). */
  sentAt?: number;
}

/** One HTTP request as written (no client-side normalising). */
function http(
  port: number,
  method: string,
  path: string,
  body?: string,
  headers: Record<string, string> = {},
  onSent?: () => void,
): Promise<Reply> {
  return new Promise((ok, fail) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown = text;
          try {
            json = JSON.parse(text);
          } catch {
            // not JSON: the test names what it expected
          }
          ok({ status: res.statusCode ?? 0, json });
        });
      },
    );
    req.on('error', fail);
    req.on('finish', () => onSent?.());
    req.end(body);
  });
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Opens the run channel; resolves with the socket, or with the HTTP status and body of the refusal. */
function openWs(
  port: number,
  opts: { query?: string; headers?: Record<string, string> } = {},
): Promise<{ ws?: WebSocket; status?: number; body?: any; messages: any[] }> {
  return new Promise((ok, fail) => {
    const messages: any[] = [];
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws${opts.query ?? ''}`, { headers: opts.headers });
    ws.on('message', (d) => messages.push(JSON.parse(String(d))));
    ws.on('open', () => ok({ ws, messages }));
    ws.on('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        ok({ status: res.statusCode, body: JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null'), messages }),
      );
    });
    ws.on('error', fail);
  });
}

/** The next message on a run channel that satisfies `pred`. */
function nextMessage(ws: WebSocket, pred: (m: any) => boolean): Promise<any> {
  return new Promise((ok) => {
    const on = (d: WebSocket.RawData) => {
      const m = JSON.parse(String(d));
      if (pred(m)) {
        ws.off('message', on);
        ok(m);
      }
    };
    ws.on('message', on);
  });
}

function recording(file: string): any {
  return {
    patchbay: 1,
    nodes: {
      camera: { type: 'Camera', params: { backend: 'emulator', width: 16, height: 16, fps: 0, frames: 3 } },
      recorder: { type: 'HDF5Sink', params: { file, ifExists: 'overwrite', flushEvery: 0.1 } },
    },
    links: [{ from: { node: 'camera', port: 'out' }, to: { node: 'recorder', port: 'in' } }],
  };
}

describe('without the token nothing gets in', () => {
  let s: Server;
  beforeAll(async () => {
    s = await serve();
  });

  it('prints a URL whose token is 32 random bytes (base64url)', () => {
    expect(s.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it.each([
    ['GET', '/api/catalog'],
    ['GET', '/api/graphs'],
    ['GET', '/api/graphs/any.yaml'],
    ['GET', '/api/run'],
    ['POST', '/api/validate'],
    ['POST', '/api/serialize'],
    ['PUT', '/api/graphs/planted.yaml'],
    ['GET', '/api/nothing-here'],
  ])('%s %s: 401 TOKEN_REQUIRED without a token, 403 BAD_TOKEN with a wrong one', async (method, path) => {
    const body = method === 'GET' ? undefined : JSON.stringify({ graph: recording(join(s.dir, 'out', 'planted.h5')) });
    const none = await http(s.port, method, path, body);
    expect(none.status).toBe(401);
    expect(none.json.error.code).toBe('TOKEN_REQUIRED');
    const wrong = s.token.slice(0, -1) + (s.token.endsWith('A') ? 'B' : 'A');
    const ways: Record<string, string>[] = [bearer(wrong), { cookie: `patchbay_token_${s.port}=${wrong}` }, {}];
    for (const headers of ways) {
      const sep = path.includes('?') ? '&' : '?';
      const p = Object.keys(headers).length === 0 ? `${path}${sep}token=${wrong}` : path;
      const r = await http(s.port, method, p, body, headers);
      expect(r.status).toBe(403);
      expect(r.json.error.code).toBe('BAD_TOKEN');
    }
    // A cookie of another port's editor does not open this one.
    const other = await http(s.port, method, path, body, { cookie: `patchbay_token_${s.port + 1}=${s.token}` });
    expect(other.status).toBe(401);
    expect(readdirSync(join(s.dir, 'graphs'))).toEqual([]);
  });

  it('accepts the token as Bearer, as ?token= and as the cookie the printed URL sets', async () => {
    expect((await http(s.port, 'GET', '/api/graphs', undefined, bearer(s.token))).status).toBe(200);
    expect((await http(s.port, 'GET', `/api/graphs?token=${s.token}`)).status).toBe(200);
    const entry = await new Promise<{ status: number; location?: string; cookie?: string[] }>((ok, fail) => {
      request({ host: '127.0.0.1', port: s.port, path: `/?graph=x.yaml&token=${s.token}` }, (res) => {
        res.resume();
        ok({ status: res.statusCode ?? 0, location: res.headers.location, cookie: res.headers['set-cookie'] });
      })
        .on('error', fail)
        .end();
    });
    expect(entry.status).toBe(303);
    expect(entry.location).toBe('/?graph=x.yaml');
    expect(entry.cookie).toEqual([`patchbay_token_${s.port}=${s.token}; HttpOnly; SameSite=Strict; Path=/`]);
    const cookie = entry.cookie![0].split(';')[0];
    expect((await http(s.port, 'GET', '/api/graphs', undefined, { cookie: `theme=dark; ${cookie}` })).status).toBe(200);
  });

  it('refuses the run channel without the token, so no run starts and no file is written', async () => {
    const stolen = join(s.dir, 'out', 'stolen.h5');
    const tries = [
      await openWs(s.port),
      await openWs(s.port, { query: '?token=' + 'x'.repeat(43) }),
      await openWs(s.port, { headers: bearer('x'.repeat(43)) }),
      await openWs(s.port, { headers: { cookie: `patchbay_token_${s.port}=${'x'.repeat(43)}` } }),
    ];
    for (const t of tries) {
      // Had it opened, this is what a stranger would do with it.
      t.ws?.send(JSON.stringify({ op: 'run', graph: recording(stolen) }));
    }
    expect(tries.map((t) => [t.status, t.body?.error?.code])).toEqual([
      [401, 'TOKEN_REQUIRED'],
      [403, 'BAD_TOKEN'],
      [403, 'BAD_TOKEN'],
      [403, 'BAD_TOKEN'],
    ]);
    // With the token: the channel opens, and a run of our own goes through to its end. Runs go
    // one at a time, so had any refused attempt started one, it would show by now.
    const own = await openWs(s.port, { headers: bearer(s.token) });
    expect(own.ws).toBeDefined();
    const proof = join(s.dir, 'out', 'proof.h5');
    const done = nextMessage(own.ws!, (m) => m.type === 'done' || m.type === 'error' || m.type === 'refused');
    own.ws!.send(JSON.stringify({ op: 'run', graph: recording(proof) }));
    expect((await done).type).toBe('done');
    own.ws!.close();
    expect(existsSync(proof)).toBe(true);
    expect(existsSync(stolen)).toBe(false);
    expect((await http(s.port, 'GET', '/api/run', undefined, bearer(s.token))).json).toEqual({ state: 'idle' });
  });

  it('answers a malformed run message with BAD_REQUEST, not a crash', async () => {
    const { ws } = await openWs(s.port, { headers: bearer(s.token) });
    for (const msg of [
      'null',
      '[]',
      '7',
      JSON.stringify({ op: 'run', graph: { nodes: { a: null }, links: [] } }),
      JSON.stringify({ op: 'run', graph: { nodes: {}, links: [null] } }),
    ]) {
      const answer = nextMessage(ws!, (m) => m.type === 'error');
      ws!.send(msg);
      expect(await answer, msg).toMatchObject({ code: 'BAD_REQUEST' });
    }
    ws!.close();
  });

  const MALFORMED: [string, string[]][] = [
    ['links: [null]', [JSON.stringify({ graph: { patchbay: 1, nodes: {}, links: [null] } })]],
    ['nodes: {a: null}', [JSON.stringify({ graph: { patchbay: 1, nodes: { a: null }, links: [] } })]],
    [
      'non-JSON and wrong top-level types',
      [
        '{"graph": ',
        'null',
        '[]',
        '42',
        JSON.stringify({ graph: [] }),
        JSON.stringify({ graph: { nodes: {}, links: {} } }),
        JSON.stringify({ text: 5 }),
        JSON.stringify({ graph: { nodes: {}, links: [] }, previousText: [] }),
      ],
    ],
    ['nodes a list', [JSON.stringify({ graph: { nodes: [], links: [] } })]],
    ['a type that is a number', [JSON.stringify({ graph: { nodes: { a: { type: 5 } }, links: [] } })]],
    ['params a list', [JSON.stringify({ graph: { nodes: { a: { type: 'FFT', params: [1] } }, links: [] } })]],
    ['a link as text', [JSON.stringify({ graph: { nodes: {}, links: ['a.out -> b.in'] } })]],
    [
      'a link end without port',
      [JSON.stringify({ graph: { nodes: {}, links: [{ from: { node: 'a' }, to: { node: 'b', port: 'in' } }] } })],
    ],
    ['layout {a: null}', [JSON.stringify({ graph: { nodes: {}, links: [], layout: { a: null } } })]],
    ['a name that is a map', [JSON.stringify({ graph: { name: {}, nodes: {}, links: [] } })]],
    [
      'a param nested 100 000 deep',
      [
        `{"graph":{"nodes":{"a":{"type":"FFT","params":{"x":${'['.repeat(100_000)}${']'.repeat(100_000)}}}},"links":[]}}`,
      ],
    ],
  ];

  it.each(MALFORMED)('%s: 400 BAD_REQUEST on /api/validate and on PUT, and no file', async (_what, bodies) => {
    for (const body of bodies) {
      const v = await http(s.port, 'POST', '/api/validate', body, bearer(s.token));
      expect([v.status, v.json.error?.code], body.slice(0, 80)).toEqual([400, 'BAD_REQUEST']);
      const p = await http(s.port, 'PUT', '/api/graphs/malformed.yaml', body, bearer(s.token));
      expect([p.status, p.json.error?.code], body.slice(0, 80)).toEqual([400, 'BAD_REQUEST']);
      expect(existsSync(join(s.dir, 'graphs', 'malformed.yaml'))).toBe(false);
    }
  });

  it('random bodies (fast-check): every answer is 200 with errors or 400 with a code, never 500', async () => {
    const anything = fc.jsonValue({ maxDepth: 3 });
    const ref = fc.oneof(
      anything,
      fc.record({
        node: fc.oneof(fc.constantFrom('a', 'b', 'camera'), anything),
        port: fc.oneof(fc.constantFrom('in', 'out'), anything),
      }),
    );
    const node = fc.oneof(
      anything,
      fc.record(
        {
          type: fc.oneof(fc.constantFrom('Camera', 'FFT', 'HDF5Sink', 'Publish', 'Nope', ''), anything),
          params: fc.oneof(
            fc.dictionary(
              fc.constantFrom('frames', 'fps', 'endpoint', 'file', 'topics', '__proto__', 'constructor', 'x'),
              anything,
            ),
            anything,
          ),
          host: fc.oneof(fc.string(), anything),
        },
        { requiredKeys: [] },
      ),
    );
    const graph = fc.oneof(
      anything,
      fc.record(
        {
          patchbay: anything,
          name: fc.oneof(fc.string(), anything),
          nodes: fc.oneof(
            fc.dictionary(fc.oneof(fc.constantFrom('a', 'b', 'camera', '__proto__', 'A b', '0'), fc.string()), node, {
              maxKeys: 4,
            }),
            anything,
          ),
          links: fc.oneof(
            fc.array(fc.oneof(anything, fc.record({ from: ref, to: ref }, { requiredKeys: [] })), { maxLength: 4 }),
            anything,
          ),
          layout: fc.oneof(
            fc.dictionary(fc.string(), fc.oneof(fc.tuple(fc.double(), fc.double()), anything)),
            anything,
          ),
        },
        { requiredKeys: [] },
      ),
    );
    const text = fc.oneof(
      fc.string(),
      fc.constantFrom(
        'patchbay: 1\nnodes: {a: &x {type: FFT}}\nlinks: [*x]\n',
        'a: &a [*a]\n',
        '{',
        'nodes:\n  a: 1\n  a: 2\n',
      ),
    );
    const body = fc.oneof(
      {
        weight: 4,
        arbitrary: fc
          .record({ graph, previousText: fc.oneof(text, anything) }, { requiredKeys: ['graph'] })
          .map((b) => JSON.stringify(b)),
      },
      {
        weight: 2,
        arbitrary: fc
          .record({ text: fc.oneof(text, anything), name: fc.oneof(fc.string(), anything) }, { requiredKeys: ['text'] })
          .map((b) => JSON.stringify(b)),
      },
      {
        weight: 1,
        arbitrary: fc.oneof(
          fc.string(),
          anything.map((v) => JSON.stringify(v) ?? ''),
        ),
      },
    );
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(body, fc.boolean(), async (b, put) => {
        const r = put
          ? await http(s.port, 'PUT', '/api/graphs/fuzz.yaml', b, bearer(s.token))
          : await http(s.port, 'POST', '/api/validate', b, bearer(s.token));
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
        if (r.status === 200) return Array.isArray(r.json.errors) && typeof r.json.text === 'string';
        return r.status === 400 && r.json.error.code === 'BAD_REQUEST';
      }),
      { numRuns: 400, seed: 20 },
    );
    // Both kinds of answer were reached: the fuzzing got past the shape checks too.
    expect(statuses.get(200)).toBeGreaterThan(20);
    expect(statuses.get(400)).toBeGreaterThan(20);
  });

  it('wrote nothing on stderr all along (no stack traces) and stops cleanly', async () => {
    const { code, stderr } = await stop(s);
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});

describe('large documents', () => {
  it('a 20 000-node document is checked while the server keeps answering (the event loop that runs graphs is free)', async () => {
    const s = await serve();
    const body = JSON.stringify({ text: chains(20_000) });
    let sentAt = 0;
    const validation = http(s.port, 'POST', '/api/validate', body, bearer(s.token), () => (sentAt = performance.now()));
    let answeredAt = 0;
    void validation.finally(() => (answeredAt = performance.now()));
    // Requests of its own, one after the other, while the document is being checked: the times
    // they are answered at show whether the server's event loop ever stopped.
    const answers: number[] = [];
    while (answeredAt === 0) {
      const r = await http(s.port, 'GET', '/api/run', undefined, bearer(s.token));
      expect(r.status).toBe(200);
      if (sentAt > 0 && answeredAt === 0) answers.push(performance.now());
    }
    const v = await validation;
    expect(v.status).toBe(200);
    expect(v.json.errors.filter((e: { severity: string }) => e.severity === 'error')).toEqual([]);
    expect(Object.keys(v.json.graph.nodes)).toHaveLength(20_000);
    // A blocked loop answers nothing from when it has the body until it answers it: one gap as
    // long as the whole check. Free, the pings keep coming: the longest wait is a small part of it.
    const marks = [sentAt, ...answers, answeredAt];
    const longest = Math.max(...marks.slice(1).map((t, i) => t - marks[i]));
    expect(longest).toBeLessThan((answeredAt - sentAt) / 3);
    expect(answers.length).toBeGreaterThan(5);
    expect((await stop(s)).stderr).toBe('');
  });

  it('a document that takes too long is cut off with 422 TOO_COMPLEX, and the next one is checked as usual', async () => {
    // 300 ms: far below what 20 000 chained nodes take (over a second), far above a tiny
    // document on a fresh worker even on a loaded machine (20 ms was not, under load).
    const s = await serve({ PATCHBAY_CHECK_LIMIT_MS: '300' });
    const slow = await http(s.port, 'POST', '/api/validate', JSON.stringify({ text: chains(20_000) }), bearer(s.token));
    expect([slow.status, slow.json.error?.code]).toEqual([422, 'TOO_COMPLEX']);
    const small = await http(
      s.port,
      'POST',
      '/api/validate',
      JSON.stringify({ text: 'patchbay: 1\nnodes: {}\nlinks: []\n' }),
      bearer(s.token),
    );
    expect(small.status).toBe(200);
    expect(small.json.errors.map((e: { code: string }) => e.code)).toEqual(['NO_SOURCE', 'NO_SINK']);
    expect((await stop(s)).stderr).toBe('');
  });

  it('a body over 4 MiB is refused with 413 TOO_LARGE before it is read', async () => {
    const s = await serve();
    const r = await http(
      s.port,
      'POST',
      '/api/validate',
      JSON.stringify({ text: 'x'.repeat(4 * 1024 * 1024) }),
      bearer(s.token),
    );
    expect([r.status, r.json.error?.code]).toEqual([413, 'TOO_LARGE']);
    expect((await stop(s)).stderr).toBe('');
  });

  // The linear paths give the yaml package's own answers (bench/validate.ts shows the time).
  it('duplicate keys found in one pass: the errors yaml gives with uniqueKeys (fast-check)', () => {
    const key = fc.constantFrom(
      'a',
      'b',
      '1',
      '1.0',
      '~',
      'null',
      '"a"',
      "'b'",
      '&k a',
      '!!str a',
      'c d',
      '0x1',
      '.nan',
      '.NaN',
    );
    const scalar = fc.constantFrom('1', 'x', '"q"', '[1, 2]', '{a: 1, a: 2}', '{b: 1, "b": 2}', '{x: 1}');
    const block = (depth: number): fc.Arbitrary<string[]> =>
      fc
        .array(
          fc.tuple(
            key,
            depth > 0
              ? fc.oneof(
                  scalar.map((v) => [v]),
                  block(depth - 1),
                )
              : scalar.map((v) => [v]),
          ),
          { minLength: 1, maxLength: 5 },
        )
        .map((pairs) =>
          pairs.flatMap(([k, v]) =>
            v.length === 1 && !v[0].startsWith('  ') ? [`${k}: ${v[0]}`] : [`${k}:`, ...v.map((l) => '  ' + l)],
          ),
        );
    const errors = (d: { errors: { code: string; message: string; linePos?: unknown }[] }) =>
      d.errors.map((e) => [e.code, e.message.split('\n')[0], e.linePos]);
    fc.assert(
      fc.property(block(2), (lines) => {
        const text = lines.join('\n') + '\n';
        const theirs = parseDocument(text, { lineCounter: new LineCounter(), prettyErrors: true, uniqueKeys: true });
        // 0: never hand back to the package, so the errors checked are the ones made here.
        const ours = parseUnique(text, { lineCounter: new LineCounter(), prettyErrors: true }, 0);
        expect(errors(ours)).toEqual(errors(theirs));
      }),
      { numRuns: 2000, seed: 8 },
    );
  });

  it('aliases resolved in one walk: the values and errors of node.toJS, alias bombs included (fast-check)', () => {
    const value = fc.letrec((tie) => ({
      v: fc.oneof(
        { depthSize: 'small' },
        fc.constantFrom('1', 'x', '*p', '*q', '*r'),
        fc.array(tie('v'), { maxLength: 3 }).map((xs) => `[${xs.join(', ')}]`),
        fc.tuple(fc.constantFrom('&p', '&q', '&r'), tie('v')).map(([a, v]) => `${a} ${v}`),
      ),
    })).v;
    const bomb =
      'a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n';
    const docs = fc.oneof(
      fc.constant(bomb),
      fc.array(value, { minLength: 1, maxLength: 8 }).map((vs) => vs.map((v, i) => `k${i}: ${v}`).join('\n') + '\n'),
    );
    const read = (f: () => unknown) => {
      try {
        return JSON.stringify(f());
      } catch (e) {
        return `error: ${(e as Error).message}`;
      }
    };
    let compared = 0;
    fc.assert(
      fc.property(docs, (text) => {
        const doc = parseDocument(text);
        const aliases = new Aliases(doc, text);
        if (doc.errors.length > 0 || aliases.dangling().length > 0 || !isMap(doc.contents)) return;
        for (const pair of doc.contents.items) {
          const node = pair.value as Parameters<Aliases['toJS']>[0] | null;
          if (!node) continue;
          expect(read(() => aliases.toJS(node, 100))).toBe(read(() => node.toJS(doc, { maxAliasCount: 100 })));
          compared++;
        }
      }),
      { numRuns: 3000, seed: 8 },
    );
    expect(compared).toBeGreaterThan(500);
  });
});
