/**
 * The course as taught: course-style pyzmq scripts (test/course/fixtures, written from what the
 * course's scripts do: pickles by send_pyobj, the course's sockets, no end of stream) join the
 * graphs of graphs/course/, run by the real CLI, in both directions for each pattern. The graphs
 * are copies with free ports in place of the course's 5555, 5556, 5557.
 */
import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCli, killRuns } from '../helpers/cli-run.ts';
import { start, type Child } from '../helpers/child.ts';
import { missing, PYTHON, pythonHas } from '../helpers/env.ts';
import { freeTheirPorts } from '../helpers/ports.ts';

const noPython = missing('Python 3 with pyzmq, numpy and h5py', () => pythonHas('zmq', 'numpy', 'h5py'));
const GRAPHS = fileURLToPath(new URL('../../graphs/course', import.meta.url));
const FIXTURES = fileURLToPath(new URL('fixtures', import.meta.url));

let dir = '';
let port: (course: number) => string;
const peers: Child[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'patchbay-course-'));
  cpSync(GRAPHS, dir, { recursive: true });
  const ports = await freeTheirPorts(dir);
  port = (course) => String(ports.get(course));
});

afterEach(() => {
  for (const p of peers.splice(0)) p.kill('SIGKILL');
  killRuns();
});

/** A course-style script from fixtures/, started as a student would. */
function script(name: string, ...args: (string | number)[]): Child {
  const child = start(PYTHON, [join(FIXTURES, name), ...args.map(String)], { cwd: FIXTURES });
  peers.push(child);
  return child;
}

/** `patchbay run` on one of the course graphs (its copy with free ports), `frames: N` made `frames` to keep the test short. */
function run(graph: string, frames?: number) {
  const text = readFileSync(join(dir, graph), 'utf8');
  return runCli(dir, frames === undefined ? text : text.replace(/frames: \d+/g, `frames: ${frames}`), `run-${graph}`);
}

/** What h5py reads in a recording: dataset shape and dtype, and the frame numbers (course_frames.number) of colour frames. */
async function h5(
  file: string,
  dataset: string,
): Promise<{ shape: number[]; dtype: string; numbers: number[]; equal: boolean }> {
  const code = `
import h5py, json, sys
sys.path.insert(0, ${JSON.stringify(FIXTURES)})
from course_frames import frame, number
import numpy as np
with h5py.File(${JSON.stringify(join(dir, file))}, 'r') as f:
    g = f[list(f.keys())[0]]
    d = g[${JSON.stringify(dataset)}]
    nums = [number(x) for x in d] if d.ndim == 4 and d.dtype == np.uint8 else []
    equal = all(np.array_equal(x, frame(k)) for x, k in zip(d, nums))
    print(json.dumps({'shape': list(d.shape), 'dtype': str(d.dtype), 'numbers': nums, 'equal': equal}))`;
  const r = await start(PYTHON, ['-c', code]).exit;
  if (r.code !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}

const json = async (child: Child) => JSON.parse(await child.line((l) => l.startsWith('{')));

describe.skipIf(noPython)("the course's scripts join the course graphs unmodified", () => {
  it("PUB/SUB: the course's FFT subscriber reads the graph's pickled frames under camera_frame", async () => {
    const graph = run('pub-sub.yaml');
    const sub = script('course_subscriber.py', port(5555), 20);
    const got = await json(sub);
    expect(got).toEqual({
      frames: 20,
      shapes: ['(480, 640)'],
      dtypes: ['uint8'],
      topics: ['camera_frame'],
      spectrum: 'complex128',
    });
    graph.kill('SIGINT');
    const { code, summary } = await graph.exit;
    expect(code).toBe(0);
    expect(summary?.stats.nodes.publisher.framesOut).toBeGreaterThanOrEqual(20);
  });

  it("PUB/SUB the other way: the course's publisher → Subscribe (frames: 50) → HDF5Sink stores 50 consecutive 480×640×3 frames", async () => {
    const pub = script('course_publisher.py', port(5555));
    await pub.line((l) => l === 'ready');
    const { code, summary, stderr } = await run('subscriber.yaml').exit;
    expect(code, stderr).toBe(0);
    expect(summary?.stats.nodes.recorder.framesStored).toBe(50);
    const file = await h5('out/course-frames.h5', 'images');
    expect(file).toMatchObject({ shape: [50, 480, 640, 3], dtype: 'uint8', equal: true });
    // The slow joiner missed the first ones; from then on nothing was lost.
    expect(file.numbers).toEqual(file.numbers.map((_, i) => file.numbers[0] + i));
  });

  it('PUB/SUB: pickles of protocol 2, 4 and 5 are all frames', async () => {
    for (const protocol of [2, 4, 5]) {
      const pub = script('course_publisher.py', port(5555), protocol);
      await pub.line((l) => l === 'ready');
      const { code, summary } = await run('subscriber.yaml', 10).exit;
      expect(code, `protocol ${protocol}`).toBe(0);
      expect(summary?.stats.nodes.subscriber.errors, JSON.stringify(summary?.stats.nodes.subscriber.refused)).toBe(0);
      expect((await h5('out/course-frames.h5', 'images')).equal).toBe(true);
      pub.kill('SIGKILL');
      await pub.exit;
    }
  });

  it('PUSH/PULL: Push (pickle) → two course workers → Pull (frames) → HDF5Sink: every spectrum, nothing lost', async () => {
    const graph = run('push-pull.yaml', 30);
    const workers = [
      script('course_worker.py', port(5555), port(5556)),
      script('course_worker.py', port(5555), port(5556)),
    ];
    await Promise.all(workers.map((w) => w.line((l) => l === 'ready')));
    const { code, summary, stderr } = await graph.exit;
    expect(code, stderr).toBe(0);
    expect(summary).toMatchObject({ ok: true, lost: 0 });
    expect(summary?.stats.nodes.recorder.framesStored).toBe(30);
    expect(await h5('out/course-spectra.h5', 'spectra')).toMatchObject({ shape: [30, 480, 640], dtype: 'complex128' });
  });

  it("PUSH/PULL synchronised: the course's ventilator asks the Pull's handshake, then its frames reach the sink through course workers", async () => {
    const graph = run('sink.yaml', 30);
    await graph.stats(() => true);
    const workers = [
      script('course_worker.py', port(5555), port(5556)),
      script('course_worker.py', port(5555), port(5556)),
    ];
    await Promise.all(workers.map((w) => w.line((l) => l === 'ready')));
    const vent = script('course_ventilator.py', port(5555), port(5557), 30);
    expect(await json(vent)).toEqual({ sent: 30 });
    const { code, summary, stderr } = await graph.exit;
    expect(code, stderr).toBe(0);
    expect(summary?.stats.nodes.recorder.framesStored).toBe(30);
    expect(await h5('out/course-sink.h5', 'spectra')).toMatchObject({ shape: [30, 480, 640, 3], dtype: 'complex128' });
  });

  it("PUSH/PULL synchronised the other way: the graph's Push asks the course's sink first, then deals its 100 frames to course workers", async () => {
    const sink = script('course_sink.py', port(5556), port(5557), 100);
    await sink.line((l) => l === 'ready');
    const workers = [
      script('course_worker.py', port(5555), port(5556)),
      script('course_worker.py', port(5555), port(5556)),
    ];
    await Promise.all(workers.map((w) => w.line((l) => l === 'ready')));
    const graph = run('ventilator.yaml');
    expect(await json(sink)).toEqual({ received: 100, shapes: ['(480, 640)'], dtypes: ['complex128'] });
    // Its camera's 100 frames sent, the graph ends by itself (no end of stream in pickle mode).
    expect((await graph.exit).code).toBe(0);
  });

  it('a pickle of something else (a dict) is counted with its reason; the frames around it are stored', async () => {
    const graph = run('sink.yaml', 3);
    await graph.stats(() => true);
    const code = `
import sys, zmq, numpy as np
s = zmq.Context().socket(zmq.PUSH)
s.connect('tcp://127.0.0.1:${port(5556)}')
s.send_pyobj(np.zeros((4, 4), np.uint8))
s.send_pyobj({'frame': 1})
s.send_pyobj(np.ones((4, 4), np.uint8))
s.send_pyobj(np.full((4, 4), 2, np.uint8))
s.close(linger=5000)`;
    peers.push(start(PYTHON, ['-c', code]));
    const { code: exit, summary, stderr } = await graph.exit;
    expect(exit, stderr).toBe(0);
    expect(summary?.stats.nodes.sink.refused).toEqual({ PICKLE_NOT_ARRAY: 1 });
    expect(summary?.failures).toEqual([]);
    expect(summary?.stats.nodes.recorder.framesStored).toBe(3);
  });

  it('a Push whose handshake is never answered sends nothing and says it is waiting for the sink', async () => {
    const graph = run('ventilator.yaml');
    const waiting = await graph.stats((s) => s.nodes.ventilator?.waiting !== undefined);
    expect(waiting.nodes.ventilator.waiting).toEqual({ what: 'sinks', want: 1, joined: 0 });
    expect(waiting.nodes.camera.framesOut).toBe(0);
    graph.kill('SIGINT');
    expect((await graph.exit).code).toBe(0);
  });

  it('REQ/REP: the course\'s camera client reads pickled frames from the Reply (pickle) and is told "Stopping server"', async () => {
    const graph = run('req-rep.yaml');
    const client = script('course_client.py', port(5555), 10);
    expect(await json(client)).toEqual({
      frames: 10,
      shapes: ['(480, 640)'],
      dtypes: ['uint8'],
      stop: 'Stopping server',
    });
    graph.kill('SIGINT');
    expect((await graph.exit).code).toBe(0);
  });

  it("REQ/REP the other way: Request (request: read) → the course's camera server: 20 frames recorded, equal to what it served", async () => {
    const server = script('course_server.py', port(5555));
    await server.line((l) => l === 'ready');
    const { code, summary, stderr } = await run('client.yaml').exit;
    expect(code, stderr).toBe(0);
    expect(summary?.stats.nodes.recorder.framesStored).toBe(20);
    const file = await h5('out/course-replies.h5', 'images');
    expect(file).toMatchObject({ shape: [20, 480, 640, 3], dtype: 'uint8', equal: true });
    expect(file.numbers).toEqual([...Array(20).keys()]);
  });

  it('a Request against the course\'s first example (it answers "Message Received") fails at once with BAD_REPLY, not a loop', async () => {
    script('course_server.py', port(5555), 'hello');
    const { code, summary } = await run('client.yaml').exit;
    expect(code).toBe(1);
    expect(summary?.failures).toEqual([
      expect.objectContaining({
        node: 'client',
        code: 'BAD_REPLY',
        message: expect.stringContaining('the text "Message Received"'),
      }),
    ]);
  });

  it('a pickle sent without a topic part (send_pyobj alone on a PUB) is a frame too, on a Subscribe of every topic', async () => {
    const code = `
import zmq, numpy as np
s = zmq.Context().socket(zmq.XPUB)
s.bind('tcp://*:${port(5555)}')
print('ready', flush=True)
s.recv()
for i in range(3):
    s.send_pyobj(np.full((4, 4), i, np.uint8))
s.close(linger=5000)`;
    const pub = start(PYTHON, ['-c', code]);
    peers.push(pub);
    await pub.line((l) => l === 'ready');
    const text = readFileSync(join(dir, 'subscriber.yaml'), 'utf8')
      .replace('topics: [camera_frame]', 'topics: [""]')
      .replace(/frames: \d+/, 'frames: 3');
    const { code: exit, summary, stderr } = await runCli(dir, text, 'one-part.yaml').exit;
    expect(exit, stderr).toBe(0);
    expect(summary?.stats.nodes.subscriber.errors).toBe(0);
    expect(summary?.stats.nodes.recorder.framesStored).toBe(3);
  });
});
