/**
 * The Camera node at run time: opens the camera in open(), then in run() emits each
 * frame the native grab thread delivers, waiting for downstream (backpressure). While it
 * waits the camera keeps acquiring into `buffers` frames; past that, frames are dropped
 * at the camera and counted in stats.dropped.
 */
import type { Stage, StageFactory, StageIO } from '../../runtime/exec/stage.ts';
import type { Frame } from '../../runtime/wire/index.ts';
import { CameraError, openCamera, type Camera, type CameraSettings } from '../../native/index.ts';

/** The node's params: the camera settings it asks for, and how the node runs the camera. */
interface CameraParams extends CameraSettings {
  backend: string;
  device: string;
  frames: number;
  seed: number;
  particles: number;
  buffers: number;
  /** Not in the declaration: lets tests make the emulator fail like an unplugged camera. */
  failAfterFrames?: number;
}

class CameraStage implements Stage {
  private camera?: Camera;
  private settings?: CameraSettings;

  constructor(private readonly io: StageIO, private readonly p: CameraParams) {}

  async open(): Promise<void> {
    const p = this.p;
    const emulated = p.backend === 'emulator';
    this.camera = await openCamera({
      backend: p.backend,
      device: p.device,
      ...(emulated ? { seed: p.seed, particles: p.particles, failAfterFrames: p.failAfterFrames } : {}),
    });
    this.settings = await this.camera.set({
      pixelFormat: p.pixelFormat,
      width: p.width,
      height: p.height,
      offsetX: p.offsetX,
      offsetY: p.offsetY,
      fps: p.fps,
      exposureUs: p.exposureUs,
      gain: p.gain,
    });
  }

  async run(): Promise<number> {
    const camera = this.camera!;
    const { io, p } = this;
    const s = this.settings!;
    const shape = [s.height, s.width];
    const dtype = s.pixelFormat === 'Mono16' ? 'uint16' : 'uint8';
    const constant = { backend: camera.info.backend, device: camera.info.id, pixelFormat: s.pixelFormat, exposureUs: s.exposureUs, gain: s.gain };
    let sent = 0;
    await camera.start({ mode: 'owned', buffers: p.buffers });
    // While downstream holds up emit, the camera keeps dropping: keep the live count current.
    const refresh = setInterval(() => (io.stats.dropped = camera.counters.dropped), 250);
    refresh.unref();
    try {
      while (p.frames === 0 || sent < p.frames) {
        const f = await camera.next(io.signal).catch((e: unknown) => {
          throw this.failure(e, sent);
        });
        io.stats.dropped = camera.counters.dropped;
        if (!f) break;
        const frame: Frame = {
          kind: 'frame',
          seq: sent,
          t: f.hostNs,
          dtype,
          shape,
          // A string: camera clocks often count ns since the Unix epoch, past what a JSON number holds exactly.
          meta: { ...constant, cameraFrame: f.frameId, cameraTimestampNs: f.cameraTimestampNs.toString() },
          data: f.data,
        };
        await io.emit('out', frame);
        sent++;
        io.stats.framesOut = sent;
        io.stats.bytesOut += f.data.byteLength;
      }
    } finally {
      clearInterval(refresh);
      await camera.stop();
      io.stats.dropped = camera.counters.dropped;
    }
    return sent;
  }

  /** The camera's error, saying which node lost which camera and how many frames got out before. */
  private failure(e: unknown, sent: number): CameraError {
    const camera = this.camera!;
    const err = CameraError.from(e, camera.name);
    if (err.code !== 'CAMERA_LOST') return err;
    return new CameraError('CAMERA_LOST', `node ${this.io.node.id}: camera ${camera.name} disappeared after ${sent} frames were sent (${err.message})`, { camera: camera.name }, err);
  }

  async close(): Promise<void> {
    const camera = this.camera;
    this.camera = undefined;
    await camera?.close();
  }
}

/** The Camera node's stage (a source). */
const createCameraStage: StageFactory = (io) => new CameraStage(io, io.node.params as unknown as CameraParams);
export default createCameraStage;
