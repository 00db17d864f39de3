/**
 * The FFT stage's transform alone, run by bench/fft.ts inside the stage's own Piscina worker
 * (`pool.run(task, { filename })`), between the stage's rounds of frames: the same thread as the
 * stage's transforms, so the same CPU. This virtual machine's two CPUs are not always alike:
 * for minutes at a time one ran the 1200×1920 transform 35 % slower than the other, each pinned
 * by taskset (docs/performance-fft.md). A transform timed on another thread was then timed on
 * another machine, and which of the two ran faster was which CPU each thread had landed on.
 */
import { threadId } from 'node:worker_threads';
import { nativeFft2For } from '../../nodes/fft/native-fft2.ts';
import { outputSpec, type Fft2Options } from '../../nodes/fft/fft2.ts';

export interface AloneTask {
  /** Where the stage's input frames lie (nativeAddress), read in turn; the caller keeps them. */
  frames: number[];
  /** Bytes of each frame (uint8, one channel). */
  bytes: number;
  height: number;
  width: number;
  opts: Fft2Options;
  /** Spectra written in turn: as many as the stage had in use. */
  outputs: number;
  /** Timed transforms, after `untimed` ones. */
  runs: number;
  untimed: number;
}

export interface AloneResult {
  /** ms of each timed transform. */
  times: number[];
  /** The worker thread that ran them. */
  threadId: number;
}

/** The spectra of the last size, kept from task to task as the stage keeps its own. */
let spectra: Float64Array[] = [];

export default function transformAlone(task: AloneTask): AloneResult {
  const { frames, bytes, height: h, width: w, opts } = task;
  const length = outputSpec(h, w, opts).bytes / 8;
  if (spectra[0]?.length !== length) spectra = [];
  while (spectra.length < task.outputs) spectra.push(new Float64Array(length));
  const fft = nativeFft2For(h, w);
  const times: number[] = [];
  for (let j = 0; j < task.untimed + task.runs; j++) {
    const t0 = process.hrtime.bigint();
    fft.transformAt(frames[j % frames.length], bytes, 'uint8', spectra[j % task.outputs], opts);
    if (j >= task.untimed) times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return { times, threadId };
}
