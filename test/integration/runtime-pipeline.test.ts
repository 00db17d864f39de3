import { spawnSync } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as zmq from 'zeromq';
import { afterEach, describe, expect, test } from 'vitest';
import { loadGraph } from '../../runtime/graph/index.ts';
import { compileGraph } from '../../runtime/compile/index.ts';
import { runGraph } from '../../runtime/exec/executor.ts';
import { encode, type Frame } from '../../runtime/wire/index.ts';
import { PYTHON, missing, pythonHas } from '../helpers/env.ts';
import { freePort } from '../helpers/run-harness.ts';

const skip = missing('python3 with h5py and numpy', () => pythonHas('h5py', 'numpy'));
const opened: zmq.Socket[] = [];
afterEach(() => {
  for (const s of opened.splice(0)) if (!s.closed) s.close();
});

describe.skipIf(skip)('a compiled graph with the real FFT and HDF5Sink stages', () => {
  test('Pull fed from outside -> FFT -> HDF5Sink: every frame is in the file, in order, read back by h5py', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'patchbay-pipeline-'));
    const file = join(dir, 'spectra.h5');
    const ep = `tcp://127.0.0.1:${await freePort()}`;
    const text = [
      'patchbay: 1',
      'name: pull-fft-hdf5',
      'nodes:',
      `  sink: {type: Pull, params: {endpoint: "${ep}"}}`,
      '  fft: {type: FFT, params: {threads: 1}}',
      `  recorder: {type: HDF5Sink, params: {file: "${file}", group: run}}`,
      'links:',
      '  - sink.out -> fft.in',
      '  - fft.out -> recorder.in',
      '',
    ].join('\n');
    const loaded = loadGraph(text, 'pipeline.yaml');
    expect(loaded.errors.filter((e) => e.severity === 'error')).toEqual([]);
    const run = runGraph(compileGraph(loaded.graph!), { graphText: text });
    const push = new zmq.Push({ linger: 1000 });
    opened.push(push);
    push.connect(ep);
    const N = 40;
    for (let seq = 0; seq < N; seq++) {
      const px = new Uint16Array(32 * 32).map((_, i) => (i * 7 + seq) % 1000);
      const frame: Frame = {
        kind: 'frame',
        seq,
        t: 1_700_000_000_000_000_000n + BigInt(seq),
        dtype: 'uint16',
        shape: [32, 32],
        data: new Uint8Array(px.buffer),
      };
      await push.send(encode(frame));
    }
    await push.send(encode({ kind: 'eos', seq: N }));
    const summary = await run.done;
    expect(summary.failures).toEqual([]);
    expect(summary.exitCode).toBe(0);
    expect(summary.stats.nodes.recorder.framesIn).toBe(N);
    const py = spawnSync(
      PYTHON,
      [
        '-c',
        'import h5py,json,sys; g=h5py.File(sys.argv[1],"r")["run"]; print(json.dumps({"shape": list(g["frames"].shape), "seq": g["seq"][:].tolist(), "dt": (g["timestamps"][:] - g["timestamps"][0]).tolist()}))',
        file,
      ],
      { encoding: 'utf8' },
    );
    expect(py.status, py.stderr).toBe(0);
    const got = JSON.parse(py.stdout);
    expect(got.shape).toEqual([N, 32, 32]);
    expect(got.seq).toEqual([...Array(N).keys()]);
    // Nanosecond times survive exactly (int64 in the file; JSON numbers here would round them).
    expect(got.dt).toEqual([...Array(N).keys()]);
  });
});
