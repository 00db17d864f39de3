/**
 * The recorder's HDF5 library as libhdf5 through the patchbay_hdf5 addon: each call goes
 * straight to HDF5 with the caller's memory, so a frame goes from the slab to the file.
 * deferred() does a batch of them on a thread of libuv's pool instead (the addon's run()).
 */
import type { RawH5Handle, RawHdf5Addon, RawStep } from '../../native/hdf5-addon.ts';
import { NUMPY_CODE } from '../../runtime/wire/pickle-ops.ts';
import { parseDiag } from '../shared/h5wasm.ts';
import { H5CallError, type H5Handle, type H5Library, type H5Type } from './library.ts';

/** The addon's type names: numpy's codes (the wire's dtypes), and the index datasets' 64-bit integers. */
const TYPE: Record<H5Type, string> = { ...NUMPY_CODE, uint64: 'u8', int64: 'i8' };

/** What the addon threw, as H5CallError with HDF5's stack. */
function callError(what: string, e: unknown): H5CallError {
  const stack = (e as { h5stack?: unknown }).h5stack;
  if (typeof stack === 'string') return new H5CallError((e as Error).message, stack ? parseDiag(stack) : undefined);
  return new H5CallError(`${what}: ${(e as Error).message}`, undefined);
}

/** Runs an addon call; HDF5's refusal becomes H5CallError with its stack. */
function call<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw callError(what, e);
  }
}

/**
 * Batches of every file of the process, one after the other: libhdf5 takes one caller at a time
 * anyway, and a batch waiting for its lock would hold a thread of libuv's pool, which file
 * reads, lookups and zlib share.
 */
let batches: Promise<unknown> = Promise.resolve();

export function libhdf5Library(addon: RawHdf5Addon): H5Library {
  return {
    name: 'libhdf5',
    open(file, mode) {
      const h = call('open', () => addon.open(file, mode));
      return handle(addon, h);
    },
  };
}

function handle(a: RawHdf5Addon, h: RawH5Handle): H5Handle {
  /** While deferred()'s function runs: the steps its calls make, and the arrays whose memory they name. */
  let steps: RawStep[] | undefined;
  let held: ArrayBufferView[] = [];
  const at = (d: Uint8Array): number => {
    held.push(d);
    return a.address(d);
  };
  return {
    exists: (name) => call('exists', () => a.exists(h, name)),
    createGroup: (path) => call('createGroup', () => a.createGroup(h, path)),
    setAttr: (object, name, v) => call('setAttr', () => a.setAttr(h, object, name, v.type, v.data)),
    deleteAttr: (object, name) => call('deleteAttr', () => a.deleteAttr(h, object, name)),
    createDataset: (path, o) =>
      call('createDataset', () =>
        a.createDataset(h, path, TYPE[o.type], [...o.shape], [-1, ...o.shape.slice(1)], [...o.chunks], o.gzipLevel),
      ),
    resize(path, dims) {
      if (steps) steps.push(['resize', path, [...dims]]);
      else call('resize', () => a.resize(h, path, [...dims]));
    },
    write(path, offset, count, data) {
      if (steps) steps.push(['write', path, [...offset], [...count], at(data), data.byteLength]);
      else call('write', () => a.write(h, path, [...offset], [...count], data));
    },
    writeFrames(path, n0, frameShape, data, wholeChunks) {
      const zeros = frameShape.map(() => 0);
      if (wholeChunks) {
        for (let i = 0; i < data.length; i++) {
          const d = data[i];
          const offset = [n0 + i, ...zeros];
          if (steps) steps.push(['chunk', path, offset, d instanceof Uint8Array ? at(d) : d.address, d.byteLength]);
          else if (d instanceof Uint8Array) call('writeChunk', () => a.writeChunk(h, path, offset, d));
          else call('writeChunk', () => a.writeChunkAt(h, path, offset, d.address, d.byteLength));
        }
        return;
      }
      const views = data.map((d) => {
        if (d instanceof Uint8Array) return d;
        throw new Error('lent frame bytes are written only as whole chunks');
      });
      // One H5Dwrite for the batch, so a chunk of several frames (a compressed one above all)
      // is written once: from the slab as it lies when the frames are one run of it.
      const contiguous = views.every(
        (d, i) => i === 0 || (d.buffer === views[0].buffer && d.byteOffset === views[0].byteOffset + i * d.byteLength),
      );
      const block = contiguous
        ? new Uint8Array(views[0].buffer, views[0].byteOffset, views.length * views[0].byteLength)
        : Buffer.concat(views);
      this.write(path, [n0, ...zeros], [views.length, ...frameShape], block);
    },
    flush() {
      if (steps) steps.push(['flush']);
      else call('flush', () => a.flush(h));
    },
    close: () => call('close', () => a.close(h)),
    shape: (path) => call('shape', () => a.shape(h, path)) ?? undefined,
    async deferred(fn) {
      if (steps) throw new Error('deferred() within deferred()');
      steps = [];
      let batch: RawStep[];
      let memory: ArrayBufferView[];
      try {
        fn();
      } finally {
        batch = steps;
        memory = held;
        steps = undefined;
        held = [];
      }
      const turn = batches.then(() => a.run(h, batch));
      batches = turn.catch(() => undefined);
      try {
        return await turn;
      } catch (e) {
        throw callError('run', e);
      } finally {
        // The memory the steps name stays reachable until the thread is done with it.
        memory.length = 0;
      }
    },
  };
}
