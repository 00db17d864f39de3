/**
 * The Python node as it runs: real interpreters (Debian's /usr/bin/python3 with numpy and
 * pyzmq) started by the stage, fed by a Camera or a TestSource, their frames captured or
 * recorded and read back with h5py. Under CI a missing Python fails, never skips.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, test } from 'vitest';
import { output, PythonStage } from '../../nodes/python/stage.ts';
import type { StageFactory } from '../../runtime/exec/stage.ts';
import type { RunSummary } from '../../runtime/exec/types.ts';
import { typedView, type Frame } from '../../runtime/wire/index.ts';
import { PYTHON, missing, pythonHas } from '../helpers/env.ts';
import { runCli } from '../helpers/cli-run.ts';
import { captures, makePlan, runPlan, type TinyNode } from '../helpers/run-harness.ts';
import { noH5py, readH5, tempDir } from '../hdf5/harness.ts';

const noPython = missing('Debian python3 with numpy and pyzmq', () => pythonHas('numpy', 'zmq'));
const FIXTURES = fileURLToPath(new URL('../fixtures/python-node/', import.meta.url));
const fixture = (name: string) => path.join(FIXTURES, name);
const EXAMPLE = fileURLToPath(new URL('../../examples/nodes/background.py', import.meta.url));

/** The script's process() applied by numpy itself to `frames` in a plain loop: each output's bytes. */
function numpyReference(script: string, frames: Frame[]): Buffer[] {
  const dir = tempDir();
  const inFile = path.join(dir, 'in.bin');
  const outFile = path.join(dir, 'out.bin');
  writeFileSync(inFile, Buffer.concat(frames.map((f) => f.data)));
  const [h, w] = frames[0].shape;
  const code = [
    'import importlib.util, sys, numpy as np',
    'spec = importlib.util.spec_from_file_location("ref", sys.argv[1]); mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)',
    `frames = np.fromfile(sys.argv[2], dtype="${frames[0].dtype}").reshape(-1, ${h}, ${w})`,
    'with open(sys.argv[3], "wb") as out:',
    '    for seq, f in enumerate(frames): out.write(np.ascontiguousarray(mod.process(f.copy(), {"seq": seq, "t": 0, "meta": {}})).tobytes())',
  ].join('\n');
  const r = spawnSync(PYTHON, ['-c', code, script, inFile, outFile], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`numpy's reference failed: ${r.stderr}`);
  const all = readFileSync(outFile);
  const size = all.byteLength / frames.length;
  return frames.map((_, i) => all.subarray(i * size, (i + 1) * size));
}

/** The interpreters' output lines, as the run's stderr would show them. */
let printed: string[] = [];
output.write = (text) => void printed.push(text);
afterEach(() => {
  printed = [];
});

const camera = (frames: number, width = 64, height = 48): TinyNode => ({
  id: 'camera',
  type: 'Camera',
  params: { backend: 'emulator', width, height, pixelFormat: 'Mono16', fps: 0, frames },
});

interface Ran {
  summary: RunSummary;
  inputs: Frame[];
  outputs: Frame[];
  /** The interpreters' process ids and ipc directory, as open() left them. */
  pids: number[];
  dirs: string[];
}

/** Source → Python (params) → sink; the source's frames are copied as they leave it. */
async function run(
  params: Record<string, unknown>,
  source: TinyNode = camera(20),
  sink: TinyNode = { id: 'out', type: 'Capture' },
  during?: (r: Ran) => Promise<void>,
): Promise<Ran> {
  const capture = captures();
  const plan = makePlan(
    [source, { id: 'py', type: 'Python', params: { python: PYTHON, ...params } }, sink],
    [`${source.id}.out -> py.in`, `py.out -> ${sink.id}.in`],
  );
  const ran: Ran = { summary: undefined as never, inputs: [], outputs: capture.of('out').frames, pids: [], dirs: [] };
  let opened: () => void = () => undefined;
  const isOpen = new Promise<void>((r) => (opened = r));
  const spy: StageFactory = (io) => {
    const stage = new PythonStage(io);
    const open = stage.open.bind(stage);
    stage.open = async () => {
      try {
        await open();
      } finally {
        ran.pids.push(...stage.pids);
        if (stage.ipcDir) ran.dirs.push(stage.ipcDir);
        opened();
      }
    };
    return stage;
  };
  const handle = runPlan(plan, {
    capture,
    stages: { Python: spy },
    tap: (node, f) => {
      if (node === source.id) ran.inputs.push({ ...f, data: f.data.slice() });
    },
  });
  if (during) {
    await isOpen;
    await during(ran);
  }
  ran.summary = await handle.done;
  return ran;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Nothing of the node is left: its interpreters have exited and its ipc directory is gone. */
function expectCleanedUp(r: Ran): void {
  expect(r.pids.filter(alive)).toEqual([]);
  for (const d of r.dirs) expect(existsSync(d)).toBe(false);
}

/** The node failed with `code`; the only other failure is the run's count of the frames that met the failed node. */
function expectFailure(r: Ran, code: string): void {
  expect(r.summary.failures[0]).toMatchObject({ node: 'py', code });
  expect(r.summary.failures.slice(1).map((f) => f.code)).toEqual(r.summary.failures.length > 1 ? ['FRAMES_LOST'] : []);
}

/** 2×2 binning (sum) then ×2, as bin2x2.py does it with numpy, in exact integer arithmetic. */
function bin2x2(f: Frame): number[] {
  const [h, w] = f.shape;
  const px = typedView(f);
  const out: number[] = [];
  for (let y = 0; y < h; y += 2)
    for (let x = 0; x < w; x += 2)
      out.push(2 * (px[y * w + x] + px[y * w + x + 1] + px[(y + 1) * w + x] + px[(y + 1) * w + x + 1]));
  return out;
}

describe.skipIf(noPython)('the Python node', () => {
  test('bins 2×2 and doubles 200 Mono16 frames on 2 workers: exact, in order, none lost, seq/t/meta carried', async () => {
    const r = await run({ script: fixture('bin2x2.py'), workers: 2 }, camera(200));
    expect(r.summary.failures).toEqual([]);
    expect(r.summary.exitCode).toBe(0);
    expect(r.pids).toHaveLength(2);
    expect(r.outputs.map((f) => f.seq)).toEqual(r.inputs.map((f) => f.seq));
    expect(r.outputs).toHaveLength(200);
    for (const [i, f] of r.outputs.entries()) {
      const input = r.inputs[i];
      expect(f.dtype).toBe('int32');
      expect(f.shape).toEqual([24, 32]);
      expect(f.t).toBe(input.t);
      expect(f.meta).toEqual(input.meta);
      expect(Array.from(typedView(f))).toEqual(bin2x2(input));
    }
    expectCleanedUp(r);
  });

  test("docs/custom-nodes.md's worked example (examples/nodes/background.py): byte for byte what numpy's own loop gives", async () => {
    const r = await run({ script: EXAMPLE }, camera(30));
    expect(r.summary.failures).toEqual([]);
    expect(r.outputs.map((f) => f.seq)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    const want = numpyReference(EXAMPLE, r.inputs);
    for (const [i, f] of r.outputs.entries()) {
      expect(f.dtype).toBe('float32');
      expect(f.shape).toEqual([48, 64]);
      expect(f.meta).toMatchObject({ background_alpha: 0.05 });
      expect(Buffer.from(f.data).equals(want[i])).toBe(true);
    }
    expect(printed.join('')).toContain('[py] background started from frame 0, 64x48 uint16');
  });

  test('the frames lie in shared memory (/dev/shm): a script that keeps a frame after process() returns still sees it unchanged', async () => {
    // keep_previous.py returns each frame one call later: in a slot written again, it would have changed.
    const r = await run({ script: fixture('keep_previous.py') }, camera(40));
    expect(r.summary.failures).toEqual([]);
    expect(r.dirs[0].startsWith('/dev/shm/')).toBe(true);
    expect(r.outputs).toHaveLength(40);
    for (const [i, f] of r.outputs.entries())
      expect(Buffer.from(f.data).equals(Buffer.from(r.inputs[Math.max(0, i - 1)].data))).toBe(true);
    expect(printed.join('')).toContain('[py] process() keeps the frame after it returns');
    expectCleanedUp(r);
  });

  test('a script may change the frame in place and return it', async () => {
    const r = await run({ script: fixture('in_place.py'), workers: 2 }, camera(20));
    expect(r.summary.failures).toEqual([]);
    for (const [i, f] of r.outputs.entries())
      expect(Array.from(typedView(f))).toEqual(Array.from(typedView(r.inputs[i]), (v) => (v + 1) & 0xffff));
  });

  test('a list result gives several frames of the input seq, in list order; None drops the frame; meta changes are carried', async () => {
    const r = await run(
      { script: fixture('list_none.py'), workers: 2 },
      { id: 'src', type: 'TestSource', params: { frames: 10, bytes: 8 } },
    );
    expect(r.summary.failures).toEqual([]);
    expect(r.outputs.map((f) => [f.seq, f.dtype])).toEqual(
      [0, 2, 4, 6, 8].flatMap((s) => [
        [s, 'uint8'],
        [s, 'float32'],
      ]),
    );
    for (const f of r.outputs) expect(f.meta).toEqual({ half: f.seq / 2 });
    const first = r.outputs[1];
    expect(first.shape).toEqual([1]);
    expect(Array.from(typedView(first))).toEqual([r.inputs[0].data[0]]);
    expectCleanedUp(r);
  });

  test("the script's prints and stderr appear line by line, prefixed with the node id", async () => {
    const r = await run({ script: fixture('prints.py') }, { id: 'src', type: 'TestSource', params: { frames: 3 } });
    expect(r.summary.failures).toEqual([]);
    const lines = printed.join('').split('\n').filter(Boolean);
    expect(lines).toContain('[py] loaded');
    for (const s of [0, 1, 2]) {
      expect(lines).toContain(`[py] frame ${s}`);
      expect(lines).toContain(`[py] err ${s}`);
    }
    expect(lines.filter((l) => l.startsWith('[py] frame ')).map((l) => l.slice(5))).toEqual([
      'frame 0',
      'frame 1',
      'frame 2',
    ]);
  });

  test.skipIf(noH5py)(
    'an exception on frame 50 fails the node with the traceback; the 50 frames before it are in the file',
    async () => {
      const file = path.join(tempDir(), 'raised.h5');
      const r = await run({ script: fixture('raise_at_50.py'), workers: 2 }, camera(200), {
        id: 'recorder',
        type: 'HDF5Sink',
        params: { file },
      });
      expect(r.summary.exitCode).not.toBe(0);
      expectFailure(r, 'PROCESS_RAISED');
      const message = r.summary.failures[0].message;
      expect(message).toContain('ValueError: frame 50 is bad');
      expect(message).toContain('check(header)');
      // The full traceback is on the run's stderr too.
      expect(printed.join('')).toContain('[py] ValueError: frame 50 is bad');
      const groups = Object.values(readH5(file).groups);
      expect(groups).toHaveLength(1);
      expect(groups[0].seq).toEqual(Array.from({ length: 50 }, (_, i) => i));
      expectCleanedUp(r);
    },
  );

  test('a result of a dtype the wire format lacks fails the node with BAD_RESULT', async () => {
    const r = await run({ script: fixture('bad_dtype.py') }, camera(3));
    expectFailure(r, 'BAD_RESULT');
    expect(r.summary.failures[0].message).toContain('uint64');
    expect(r.outputs).toEqual([]);
    expectCleanedUp(r);
  });

  test('a worker killed with SIGKILL fails the node; close() leaves no process and no ipc file, and kills no other Python', async () => {
    // A bystander that looks like a worker (the same interpreter, harness.py on its command line).
    const bystander = spawn(PYTHON, ['-c', 'import sys; sys.stdin.read()', 'harness.py'], {
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    const bystanderExit = new Promise((res) => bystander.once('exit', res));
    const r = await run({ script: fixture('bin2x2.py'), workers: 2 }, camera(0, 64, 48), undefined, async (ran) => {
      const capture = ran.outputs;
      // Frames are flowing through both workers before one is killed.
      while (capture.length < 20) await new Promise((res) => setImmediate(res));
      process.kill(ran.pids[0], 'SIGKILL');
    });
    expect(r.summary.exitCode).not.toBe(0);
    expectFailure(r, 'WORKER_DIED');
    expect(r.summary.failures[0].message).toContain('SIGKILL');
    // What did come out is in order, none twice.
    const seqs = r.outputs.map((f) => f.seq);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i));
    expectCleanedUp(r);
    expect(bystander.exitCode).toBe(null);
    expect(alive(bystander.pid!)).toBe(true);
    bystander.stdin!.end();
    await bystanderExit;
  });

  test('when patchbay itself is killed (SIGKILL), its interpreters exit too (their stdin closes) and remove the ipc directory', async () => {
    const runner = fileURLToPath(new URL('../../bin/run-ts.js', import.meta.url));
    const child = spawn(process.execPath, [runner, fixture('run-until-killed.ts'), fixture('prints.py'), PYTHON], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise((res) => child.once('exit', res));
    const first = await new Promise<string>((res, rej) => {
      let text = '';
      child.stdout!.on('data', (d) => {
        text += String(d);
        for (const line of text.split('\n')) if (line.startsWith('{')) res(line);
      });
      child.once('exit', (code) => rej(new Error(`the run exited (${code}) before its interpreters started`)));
    });
    const { pids, dir } = JSON.parse(first) as { pids: number[]; dir: string };
    expect(existsSync(dir)).toBe(true);
    expect(pids).toHaveLength(2);
    expect(pids.every(alive)).toBe(true);
    child.kill('SIGKILL');
    await exited;
    // Not our children: their exit cannot be awaited as an event, only seen (bounded).
    const deadline = Date.now() + 5000;
    while (pids.some(alive) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 20));
    expect(pids.filter(alive)).toEqual([]);
    // The last of them removed the ipc directory the killed run left.
    expect(existsSync(dir)).toBe(false);
  });

  // The slot files are mapped into the run's memory where the addon is built (runtime/util/shared-map.ts),
  // and written and read where it is not: both ways, frames that grow and shrink on the same slot.
  test.each([
    ['mapped (the addon built)', {}, true],
    ['written and read (no addon)', { PATCHBAY_CAMERA_ADDON: '/nonexistent/patchbay_camera.node' }, false],
  ])('frames of 8 B to 2 MiB, growing and shrinking, come back exact with slot files %s', (_, env, mapped) => {
    const runner = fileURLToPath(new URL('../../bin/run-ts.js', import.meta.url));
    const r = spawnSync(process.execPath, [runner, fixture('sizes-run.ts'), fixture('triple.py'), PYTHON], {
      encoding: 'utf8',
      env: { ...process.env, ...env },
      maxBuffer: 64 * 2 ** 20,
    });
    expect(r.status, r.stderr).toBe(0);
    const got = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as {
      mapped: boolean;
      failures: unknown[];
      inputs: string[];
      outputs: { seq: number; data: string }[];
    };
    expect(got.mapped).toBe(mapped);
    expect(got.failures).toEqual([]);
    expect(got.outputs.map((o) => o.seq)).toEqual(got.inputs.map((_, i) => i));
    for (const [i, o] of got.outputs.entries()) {
      const input = Buffer.from(got.inputs[i], 'base64');
      expect(Buffer.from(o.data, 'base64').equals(Buffer.concat([input, input, input]))).toBe(true);
    }
  });

  describe('errors at start, before any frame', () => {
    const dir = tempDir();
    // An interpreter without numpy: Debian's numpy is on the path only through site.
    const noNumpy = path.join(dir, 'python-without-numpy');
    writeFileSync(noNumpy, `#!/bin/sh\nexec ${PYTHON} -S "$@"\n`);
    chmodSync(noNumpy, 0o755);
    // An interpreter without pyzmq: a zmq module that is not there.
    mkdirSync(path.join(dir, 'shim'));
    writeFileSync(
      path.join(dir, 'shim', 'zmq.py'),
      'raise ModuleNotFoundError("No module named \'zmq\'", name="zmq")\n',
    );
    const noZmq = path.join(dir, 'python-without-zmq');
    writeFileSync(noZmq, `#!/bin/sh\nPYTHONPATH=${path.join(dir, 'shim')} exec ${PYTHON} "$@"\n`);
    chmodSync(noZmq, 0o755);

    const cases: [string, Record<string, unknown>, string, string[]][] = [
      ['no such script', { script: path.join(dir, 'absent.py') }, 'SCRIPT_MISSING', ['absent.py']],
      ['a syntax error', { script: fixture('syntax_error.py') }, 'SCRIPT_SYNTAX', ['syntax_error.py', 'line 1']],
      ['no process()', { script: fixture('no_process.py') }, 'SCRIPT_NO_PROCESS', ['no_process.py', 'proces']],
      [
        'an interpreter without numpy',
        { script: fixture('bin2x2.py'), python: noNumpy },
        'PYTHON_MODULE_MISSING',
        [noNumpy, 'numpy', 'python3-numpy'],
      ],
      [
        'an interpreter without pyzmq',
        { script: fixture('bin2x2.py'), python: noZmq },
        'PYTHON_MODULE_MISSING',
        [noZmq, 'zmq', 'python3-zmq'],
      ],
      [
        'python: /bin/false',
        { script: fixture('bin2x2.py'), python: '/bin/false' },
        'PYTHON_NOT_STARTED',
        ['/bin/false', 'exited with code 1'],
      ],
      [
        'an interpreter that does not exist',
        { script: fixture('bin2x2.py'), python: path.join(dir, 'no-python') },
        'PYTHON_NOT_STARTED',
        ['no-python', 'ENOENT'],
      ],
    ];
    test.each(cases)('%s', async (_name, params, code, words) => {
      const r = await run({ workers: 2, ...params });
      expect(r.summary.exitCode).not.toBe(0);
      expect(r.summary.failures.map((f) => [f.node, f.code])).toEqual([['py', code]]);
      for (const w of words) expect(r.summary.failures[0].message).toContain(w);
      expect(r.inputs).toEqual([]);
      // The harness exits cleanly on its own error, not through an interpreter abort.
      expect(printed.join('')).not.toContain('Fatal Python error');
      expect(r.summary.stats.nodes.camera?.framesOut ?? 0).toBe(0);
      expectCleanedUp(r);
    });
  });
});

describe.skipIf(noPython || noH5py)('the Python node from the command line', () => {
  test("patchbay run: the script's prints prefixed by the node id; an exception on frame 50 exits 1 with the Python error, the 50 frames before it in the file", async () => {
    const dir = tempDir();
    const script = fileURLToPath(new URL('../fixtures/python-node/raise_at_50.py', import.meta.url));
    const yaml = `patchbay: 1
name: py
nodes:
  camera: {type: Camera, params: {width: 16, height: 8, fps: 0, frames: 100}}
  step: {type: Python, params: {script: "${script}", python: "${PYTHON}"}}
  recorder: {type: HDF5Sink, params: {file: out.h5}}
links:
  - camera.out -> step.in
  - step.out -> recorder.in
`;
    const { code, summary, stderr } = await runCli(dir, yaml).exit;
    expect(code).toBe(1);
    expect(summary?.failures[0]).toMatchObject({
      node: 'step',
      code: 'PROCESS_RAISED',
      message: expect.stringContaining('ValueError: frame 50 is bad'),
    });
    expect(stderr).toContain('[step]');
    expect(summary?.stats.nodes.recorder.framesStored).toBe(50);
  });
});
