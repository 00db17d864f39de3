/**
 * Piscina worker of the FFT node: transforms one frame from the slab into a buffer (the one
 * the main thread moved here with the task, or one of its own for small spectra) and moves
 * that buffer (not a copy) back to the main thread.
 */
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { inputView, outputSpec, outputView, transformInto } from './fft2.ts';
import { nativeFft2For } from './native-fft2.ts';
import { newSpectrumBuffer, type FftResult, type FftTask } from './messages.ts';

/**
 * Transforms the frame at `task.inOffset` into `task.out` (or a fresh buffer) and returns it in the transfer
 * list: the buffer leaves this thread (detached here, nothing kept), and the main thread,
 * whose garbage collector then owns it, frees it once downstream lets the frame go.
 */
export default function fftTask(task: FftTask): FftResult {
  const t0 = process.hrtime.bigint();
  const { height: h, width: w, channels } = task;
  // Only the byte count matters here: the stage gives the output frame its shape.
  const spec = outputSpec(h, w, task, channels);
  const out = task.out ?? newSpectrumBuffer(spec.bytes);
  if (out.byteLength !== spec.bytes)
    throw new Error(`FFT worker: ${out.byteLength} bytes for a ${spec.bytes}-byte spectrum`);
  let bytesCopied = 0;
  // The frame where it lies (the stage holds it), read by the native transform.
  if (task.at !== undefined)
    nativeFft2For(h, w, channels).transformAt(task.at, task.inBytes!, task.dtype, outputView(spec, out, 0), task);
  else {
    const input = inputView(task.dtype, task.slab, task.inOffset, h * w * channels);
    bytesCopied = transformInto(input, h, w, outputView(spec, out, 0), task, channels);
  }
  const result: FftResult = { out, busyNs: Number(process.hrtime.bigint() - t0), bytesCopied };
  // Piscina posts `result` with `out` in the transfer list (a top-level movable result).
  return move({ [transferableSymbol]: [out], [valueSymbol]: result }) as unknown as FftResult;
}
