import type { StageFactory } from '../../runtime/exec/stage.ts';
import type { ParamsOf } from '../types.ts';
import type { copy } from './index.ts';

/**
 * Copy: shallow hands the same Frame (same buffer) to every branch; deep gives every branch
 * its own bytes, so a branch that writes into its frame changes nothing the others see.
 */
const copyStage: StageFactory = (io) => {
  const deep = (io.node.params as ParamsOf<typeof copy>).mode === 'deep';
  return {
    // Deep copies are done with the frame once copied; shallow branches all take the same buffer.
    lifetime: deep ? 'done-on-receive' : 'forwarded',
    receive(_port, frame) {
      if (!deep) return io.emit('out', frame);
      const n = io.branches?.('out') ?? 1;
      const sends: Promise<void>[] = [];
      for (let i = 0; i < n; i++) {
        // A copy of its own: a Buffer's slice() (a camera frame, a received payload) is a view.
        const data = new Uint8Array(frame.data);
        io.stats.bytesCopied += data.byteLength;
        sends.push(
          io.emit(
            'out',
            { ...frame, meta: frame.meta && { ...frame.meta }, shape: [...frame.shape], data },
            n > 1 ? i : undefined,
          ),
        );
      }
      return Promise.all(sends).then(() => undefined);
    },
  };
};

export default copyStage;
