/** Piscina worker of the FFT node: transforms one frame from the slab into its output buffer. */
import { inputView, outputSpec, outputView, transformInto } from './fft2.ts';
import type { FftResult, FftTask } from './messages.ts';

/** Transforms the frame at `task.inOffset` and writes the spectrum into `task.out`. */
export default function fftTask(task: FftTask): FftResult {
  const t0 = process.hrtime.bigint();
  const { height: h, width: w } = task;
  const spec = outputSpec(h, w, task);
  const input = inputView(task.dtype, task.slab, task.inOffset, h * w);
  const bytesCopied = transformInto(input, h, w, outputView(spec, task.out, 0), task);
  return { busyNs: Number(process.hrtime.bigint() - t0), bytesCopied };
}
