/**
 * HDF5Source: replays an (N, ...) dataset frame by frame, with the recording's seq and
 * timestamps where it has them, as fast as downstream takes frames (fps 0), at `fps`, or at
 * the pace they were recorded (`realtime`).
 */
import path from 'node:path';
import type { Stage, StageFactory, StageIO } from '../../runtime/exec/stage.ts';
import { nowNs, type Frame } from '../../runtime/wire/index.ts';
import type { ParamsOf } from '../types.ts';
import { Hdf5SourceError } from './errors.ts';
import type { hdf5Source } from './index.ts';
import { openRecording, type Recording } from './reader.ts';
import { letEventsIn } from '../shared/let-events-in.ts';

type Params = ParamsOf<typeof hdf5Source>;

class Hdf5SourceStage implements Stage {
  private rec?: Recording;

  constructor(
    private readonly io: StageIO,
    private readonly p: Params,
  ) {}

  /** Opens the file and checks the range, so a wrong name fails before any source starts. */
  async open(): Promise<void> {
    const { p } = this;
    const rec = await openRecording(path.resolve(p.file), p.group, p.dataset);
    this.rec = rec;
    const stop = p.stop === 0 ? rec.count : p.stop;
    if (p.start > rec.count || stop > rec.count || p.start > stop)
      throw new Hdf5SourceError(
        'BAD_DATASET',
        `start ${p.start} and stop ${p.stop} do not fit ${rec.path}, which holds ${rec.count} frames`,
        p.file,
      );
    if (p.realtime && !rec.timestamps)
      throw new Hdf5SourceError(
        'BAD_DATASET',
        `realtime needs the recorded timestamps, and ${rec.path} has no timestamps dataset beside it: use fps instead`,
        p.file,
      );
  }

  async run(): Promise<number> {
    const { io, p } = this;
    const rec = this.rec!;
    const stop = p.stop === 0 ? rec.count : p.stop;
    let sent = 0;
    do {
      const began = performance.now();
      for (let i = p.start; i < stop && !io.signal.aborted; i++) {
        const due = p.realtime
          ? Number(rec.timestamps![i] - rec.timestamps![p.start]) / 1e6
          : p.fps > 0
            ? ((i - p.start) * 1000) / p.fps
            : 0;
        const wait = began + due - performance.now();
        if (wait > 1) await new Promise((r) => setTimeout(r, Math.floor(wait)));
        else if (sent > 0) await letEventsIn(); // never waiting on a timer would starve the sockets
        if (io.signal.aborted) break;
        const frame: Frame = {
          kind: 'frame',
          // The recording's own numbering, unless the replay loops (then seq counts on, as a camera's would).
          seq: rec.seq && !p.loop ? Number(rec.seq[i]) : sent,
          t: rec.timestamps ? rec.timestamps[i] : nowNs(),
          dtype: rec.dtype,
          shape: rec.shape,
          data: rec.read(i),
        };
        await io.emit('out', frame);
        sent++;
        io.stats.framesOut = sent;
        io.stats.bytesOut += frame.data.byteLength;
      }
    } while (p.loop && !io.signal.aborted && stop > p.start);
    return sent;
  }

  async close(): Promise<void> {
    this.rec?.close();
    this.rec = undefined;
  }
}

const createHdf5SourceStage: StageFactory = (io) => new Hdf5SourceStage(io, io.node.params as Params);
export default createHdf5SourceStage;
