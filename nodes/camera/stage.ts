/**
 * The Camera node at run time: opens the camera in open(), then in run() emits each
 * frame the native grab thread delivers, waiting for downstream (backpressure). While it
 * waits the camera keeps acquiring into `buffers` frames; past that, frames are dropped
 * at the camera and counted in stats.dropped (the emulator at fps 0 waits for room instead).
 * With `loop` (emulator), open() renders that many frames and run() sends them in turn.
 * With `trigger: software`, each frame on the `trigger` input fires one software trigger
 * (receive() waits for the frame it started), or, nothing linked there, run() fires at `fps`.
 * Where every consumer gives frames back (io.lends), frames come from the addon's pool and
 * go back to it when downstream is done with them, never to the garbage collector.
 */
import path from 'node:path';
import type { Stage, StageFactory, StageIO } from '../../runtime/exec/stage.ts';
import { itemSize, nowNs, shapeSize, type Frame } from '../../runtime/wire/index.ts';
type AutoMode = 'Off' | 'Once' | 'Continuous';

import {
  CameraError,
  openCamera,
  type Correction,
  type Camera,
  type CameraFrame,
  type CameraSettings,
  type FeatureValue,
} from '../../native/index.ts';
import { frameFormat, frameShape } from '../../native/pixel-format.ts';
import type { Trigger, TriggerActivation } from '../../native/trigger.ts';
import { SoftwareTrigger } from './software-trigger.ts';
import { letEventsIn } from '../shared/let-events-in.ts';

/** The node's params: the camera settings it asks for, and how the node runs the camera. */
interface CameraParams extends Omit<CameraSettings, 'gain'> {
  /** Left out: the camera keeps its gain. */
  gain?: number;
  exposureAuto: AutoMode;
  gainAuto: AutoMode;
  binningHorizontal: number;
  binningVertical: number;
  backend: string;
  device: string;
  frames: number;
  seed: number;
  particles: number;
  buffers: number;
  loop: number;
  debayer: boolean;
  featureFile: string;
  features: Readonly<Record<string, FeatureValue>>;
  trigger: Trigger;
  triggerActivation: TriggerActivation;
  /** Not in the declaration: lets tests make the emulator fail like an unplugged camera. */
  failAfterFrames?: number;
  /** Not in the declaration: lets tests give the emulator a sensor whose ROI goes in steps. */
  roiStep?: number;
}

/** The most frame slots the addon's pool takes. */
const MAX_SLOTS = 4096;
/** The most memory the Camera stage takes up front for a pool; beyond it, owned mode. */
const POOL_MAX_BYTES = 1024 * 2 ** 20;

class CameraStage implements Stage {
  private camera?: Camera;
  private settings?: CameraSettings;
  /** loop: the frames rendered in open(), sent in turn by run(). */
  private rendered: CameraFrame[] = [];
  /** trigger: software, while acquiring. */
  private trigger?: SoftwareTrigger;
  /** Settles once run() has started acquisition (or could not): triggers wait for it. */
  private acquiring!: () => void;
  private readonly started = new Promise<void>((resolve) => (this.acquiring = resolve));
  /** Ends run() when the trigger input has ended. */
  private readonly triggersEnded = new AbortController();

  constructor(
    private readonly io: StageIO,
    private readonly p: CameraParams,
  ) {}

  async open(): Promise<void> {
    const p = this.p;
    const emulated = p.backend === 'emulator';
    if ((this.io.inputs ?? 0) > 0 && p.trigger !== 'software')
      throw new CameraError(
        'BAD_ARGUMENT',
        `node ${this.io.node.id}: its trigger input is linked but trigger is ${p.trigger}: set trigger: software`,
        { param: 'trigger', value: p.trigger },
      );
    if (p.loop > 0 && p.trigger !== 'off')
      throw new CameraError(
        'BAD_ARGUMENT',
        `node ${this.io.node.id}: loop replays frames made before the run: it takes no trigger`,
        {
          param: 'trigger',
          value: p.trigger,
        },
      );
    this.camera = await openCamera({
      backend: p.backend,
      device: p.device,
      ...(emulated
        ? { seed: p.seed, particles: p.particles, failAfterFrames: p.failAfterFrames, roiStep: p.roiStep }
        : {}),
    });
    const camera = this.camera;
    // Binning first: the region of interest is cut from the binned sensor.
    await camera.setIfAny('BinningHorizontal', p.binningHorizontal, 1, 'binningHorizontal');
    await camera.setIfAny('BinningVertical', p.binningVertical, 1, 'binningVertical');
    // Auto modes before the values they own: a camera refuses ExposureTime while ExposureAuto is on.
    await camera.setIfAny('ExposureAuto', p.exposureAuto, 'Off', 'exposureAuto');
    await camera.setIfAny('GainAuto', p.gainAuto, 'Off', 'gainAuto');
    await camera.set(
      {
        pixelFormat: p.pixelFormat,
        width: p.width,
        height: p.height,
        offsetX: p.offsetX,
        offsetY: p.offsetY,
        fps: p.fps,
        exposureUs: p.exposureAuto === 'Off' ? p.exposureUs : undefined,
        gain: p.gainAuto === 'Off' ? p.gain : undefined,
      },
      (c) => this.io.note?.(this.rounded(c)),
    );
    await this.camera.setTrigger(p.trigger, p.triggerActivation);
    if (p.featureFile) await this.camera.loadFeatureFile(path.resolve(p.featureFile));
    await this.camera.setFeatures(p.features);
    // A feature may have changed the size, format or rate: the frames are what the camera now says.
    this.settings = await this.camera.get();
    if (emulated && p.loop > 0) await this.render(p.loop);
  }

  /** Renders `n` frames as fast as the emulator goes, before anything flows. */
  private async render(n: number): Promise<void> {
    const camera = this.camera!;
    await camera.set({ fps: 0 });
    await camera.start({ mode: 'owned', buffers: this.p.buffers, debayer: this.p.debayer });
    try {
      while (this.rendered.length < n) {
        const f = await camera.next();
        if (!f) break;
        this.rendered.push(f);
      }
    } finally {
      await camera.stop();
    }
  }

  async run(): Promise<number> {
    const camera = this.camera!;
    const { io, p } = this;
    const s = this.settings!;
    const format = frameFormat(s.pixelFormat, p.debayer);
    const shape = frameShape(s.width, s.height, format);
    const dtype = format.dtype;
    const constant = {
      backend: camera.info.backend,
      device: camera.info.id,
      pixelFormat: s.pixelFormat,
      // Raw Bayer: which colour each pixel saw; debayered: how the colours were filled in.
      ...(format.bayerPattern ? { bayerPattern: format.bayerPattern } : {}),
      ...(p.debayer && s.pixelFormat.startsWith('Bayer') ? { debayer: 'bilinear' } : {}),
      exposureUs: s.exposureUs,
      gain: s.gain,
      ...(p.trigger !== 'off' ? { trigger: p.trigger } : {}),
      // Under an auto mode, exposureUs and gain are the camera's values at the start.
      ...(p.exposureAuto !== 'Off' ? { exposureAuto: p.exposureAuto } : {}),
      ...(p.gainAuto !== 'Off' ? { gainAuto: p.gainAuto } : {}),
      ...(p.binningHorizontal > 1 || p.binningVertical > 1
        ? { binningHorizontal: p.binningHorizontal, binningVertical: p.binningVertical }
        : {}),
    };
    if (this.rendered.length > 0) return this.replay(dtype, shape, constant);
    let sent = 0;
    const trigger = p.trigger === 'software' ? new SoftwareTrigger(camera, 1000 + s.exposureUs / 1000) : undefined;
    const stopped = AbortSignal.any([io.signal, this.triggersEnded.signal]);
    const dropped = () => camera.counters.dropped + (trigger?.unanswered ?? 0);
    let firing: Promise<void> | undefined;
    let fireFailed: unknown;
    // Consumers that give frames back (frame lifetimes): the camera's pool, its slots reused as
    // they return, with room for what they hold on top of `buffers`; else a fresh block per frame.
    const holds = io.lends?.('out') ?? 0;
    const frameBytes = shapeSize(shape) * itemSize(dtype);
    // A pool is taken whole at the start: past POOL_MAX_BYTES (deep queues of large frames), owned.
    const pooled = holds > 0 && (p.buffers + holds) * frameBytes <= POOL_MAX_BYTES;
    try {
      await camera.start({
        mode: pooled ? 'pool' : 'owned',
        buffers: pooled ? Math.min(p.buffers + holds, MAX_SLOTS) : p.buffers,
        // What the camera may hold while the pipeline is busy, as in owned mode.
        ...(pooled ? { ahead: p.buffers } : {}),
        debayer: p.debayer,
      });
      this.trigger = trigger;
    } finally {
      this.acquiring();
    }
    // Once started, the camera has said how fast its clock ticks (cameraTimestampNs is converted with it).
    const started = { ...constant, timestampTickHz: camera.timestampTickHz };
    // Nothing linked to the trigger input: software triggers at fps. A trigger that fails ends the run with its error.
    const stopFiring = new AbortController();
    if (trigger && !io.inputs)
      firing = trigger.atRate(s.fps, p.frames, AbortSignal.any([stopped, stopFiring.signal])).catch((e: unknown) => {
        fireFailed = e;
        this.triggersEnded.abort();
      });
    // While downstream holds up emit, the camera keeps dropping: keep the live count current.
    const refresh = setInterval(() => (io.stats.dropped = dropped()), 250);
    refresh.unref();
    try {
      while (p.frames === 0 || sent < p.frames) {
        const f = await camera.next(stopped).catch((e: unknown) => {
          throw this.failure(e, sent);
        });
        io.stats.dropped = dropped();
        if (!f) break;
        trigger?.arrived();
        const frame: Frame = {
          kind: 'frame',
          seq: sent,
          t: f.hostNs,
          dtype,
          shape,
          // A string: camera clocks often count ns since the Unix epoch, past what a JSON number holds exactly.
          meta: { ...started, cameraFrame: f.frameId, cameraTimestampNs: f.cameraTimestampNs.toString() },
          data: f.data,
        };
        await io.emit('out', frame, undefined, pooled ? () => camera.release(f) : undefined);
        sent++;
        io.stats.framesOut = sent;
        io.stats.bytesOut += f.data.byteLength;
      }
    } finally {
      clearInterval(refresh);
      stopFiring.abort();
      trigger?.end();
      await firing;
      await camera.stop();
      io.stats.dropped = dropped();
    }
    if (fireFailed) throw CameraError.from(fireFailed, camera.name);
    return sent;
  }

  /** A frame on the trigger input: one software trigger, answered by the frame it starts (backpressure on the input). */
  async receive(): Promise<void> {
    await this.started;
    await this.trigger?.fire();
  }

  /** The trigger input has ended: no more frames will be asked for. */
  async end(): Promise<void> {
    this.triggersEnded.abort();
  }

  /**
   * loop: sends the rendered frames in turn, frame i due at start + i/fps (as fast as
   * downstream takes them at fps 0). Like a camera, it does not catch up in a burst: frames
   * more than `buffers` periods overdue are dropped and counted. The buffers are never
   * written again, so the same buffer going out again later is safe.
   */
  private async replay(dtype: Frame['dtype'], shape: number[], constant: Record<string, unknown>): Promise<number> {
    const { io, p } = this;
    const fps = this.settings!.fps;
    const start = performance.now();
    let sent = 0;
    let slot = 0;
    while ((p.frames === 0 || sent < p.frames) && !io.signal.aborted) {
      if (fps > 0) {
        const wait = start + (slot * 1000) / fps - performance.now();
        if (wait > 1) await new Promise((r) => setTimeout(r, Math.floor(wait)));
        else if (wait < (-p.buffers * 1000) / fps) {
          const skip = Math.floor((-wait * fps) / 1000) - p.buffers;
          io.stats.dropped += skip;
          slot += skip;
        }
      }
      const f = this.rendered[slot % this.rendered.length];
      const frame: Frame = {
        kind: 'frame',
        seq: sent,
        t: nowNs(),
        dtype,
        shape,
        meta: {
          ...constant,
          cameraFrame: slot,
          cameraTimestampNs: f.cameraTimestampNs.toString(),
          loop: this.rendered.length,
        },
        data: f.data,
      };
      await io.emit('out', frame);
      sent++;
      slot++;
      io.stats.framesOut = sent;
      io.stats.bytesOut += f.data.byteLength;
      // Never waiting on a timer (fps 0, or late), it would starve the sockets' events.
      await letEventsIn();
    }
    return sent;
  }

  /** A note that a width, height or offset was moved to the camera's step. */
  private rounded(c: Correction): CameraError {
    return new CameraError(
      'PARAM_ROUNDED',
      `node ${this.io.node.id}: ${c.param} ${c.asked} is between the camera's steps (${c.increment} px from ${c.min}): ${c.used} is used`,
      { param: c.param, value: c.asked, min: c.min, increment: c.increment, camera: this.camera?.name },
    );
  }

  /** The camera's error, saying which node lost which camera and how many frames got out before. */
  private failure(e: unknown, sent: number): CameraError {
    const camera = this.camera!;
    const err = CameraError.from(e, camera.name);
    if (err.code !== 'CAMERA_LOST') return err;
    return new CameraError(
      'CAMERA_LOST',
      `node ${this.io.node.id}: camera ${camera.name} disappeared after ${sent} frames were sent (${err.message})`,
      { camera: camera.name },
      err,
    );
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
