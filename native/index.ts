/**
 * Cameras from TypeScript: list devices of every backend, open one, change its
 * settings, and take frames that a native thread acquired without blocking the event loop.
 *
 * Frames are delivered in one of three modes:
 * - `owned` (default): each frame is a fresh buffer the consumer owns; the camera never
 *   writes it again, so it can go straight to a socket.
 * - `pool`: zero-copy views over a fixed native pool; each frame must be given back with
 *   `camera.release(frame)` (the garbage collector is far too slow to return them).
 * - `shared`: the camera writes into slots of a SharedArrayBuffer that worker threads read
 *   in place; any thread gives a slot back with `releaseSharedSlot`.
 * When all buffers are in use a frame is dropped at the camera and counted, never queued
 * without bound.
 */
import { AddonLoadError, loadAddon } from './load-addon.ts';
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import type {
  FeatureInfo,
  FeatureValue,
  NativeError,
  NativeErrorCode,
  RawCamera,
  RawDeviceInfo,
  RawFrame,
  RawSetting,
  RawStarted,
} from './native.ts';
import { PatchbayError } from '../runtime/util/patchbay-error.ts';
import { nearest } from '../runtime/graph/suggest.ts';
import type { Trigger, TriggerActivation } from './trigger.ts';
import { frameBytes, frameFormat, frameShape, type BayerPattern, type PixelFormat } from './pixel-format.ts';

export { AddonLoadError } from './load-addon.ts';

/** Every backend patchbay knows; builtBackends() says which this build has. */
export const ALL_BACKENDS = ['emulator', 'aravis', 'pylon'] as const;
export type BackendName = (typeof ALL_BACKENDS)[number];
export { PIXEL_FORMATS, frameFormat, type PixelFormat } from './pixel-format.ts';
export type DeviceInfo = RawDeviceInfo;
export type { FeatureInfo, FeatureValue } from './native.ts';
export { TRIGGERS, TRIGGER_ACTIVATIONS, type Trigger, type TriggerActivation } from './trigger.ts';

/** PARAM_ROUNDED is no failure: a setting moved to the camera's step (Camera.set's `corrected`). */
export type CameraErrorCode = NativeErrorCode | 'ADDON_NOT_BUILT' | 'PARAM_ROUNDED';

/** What to do to get a backend this build lacks. */
export const HOW_TO_BUILD: Record<BackendName, string> = {
  emulator: 'always built',
  aravis:
    'install Aravis 0.8 development files (Debian: libaravis-dev libusb-1.0-0-dev) so that `pkg-config aravis-0.8` works, then run `npm run build:native`',
  pylon:
    'install Basler pylon 6 or later (PYLON_ROOT, or /opt/pylon, with bin/pylon-config), then run `npm run build:native`',
};

/** An error from a camera: a code from a closed set and, for a refused setting, what was asked and allowed. */
export class CameraError extends PatchbayError<CameraErrorCode> {
  readonly param?: string;
  readonly value?: FeatureValue;
  readonly min?: number;
  readonly max?: number;
  /** A refused feature's step: it takes min + k * increment. */
  readonly increment?: number;
  readonly allowed?: string[];
  /** UNKNOWN_FEATURE: the camera's feature names closest to the one asked for. */
  readonly closest?: string[];
  /** The camera concerned, as "backend:id". */
  readonly camera?: string;

  constructor(
    code: CameraErrorCode,
    message: string,
    fields: Partial<
      Pick<CameraError, 'param' | 'value' | 'min' | 'max' | 'increment' | 'allowed' | 'closest' | 'camera'>
    > = {},
    cause?: unknown,
  ) {
    super(code, message, { cause });
    Object.assign(this, fields);
  }

  /** Wraps an error thrown by the addon, naming the camera. */
  static from(e: unknown, camera?: string): CameraError {
    if (e instanceof CameraError) return e;
    const n = e as Partial<NativeError>;
    if (!(e instanceof Error) || typeof n.code !== 'string')
      return new CameraError('CAMERA_ERROR', `${camera ? camera + ': ' : ''}${String(e)}`, { camera }, e);
    let message = e.message;
    if (n.code === 'UNKNOWN_BACKEND') {
      const missing = ALL_BACKENDS.filter((b) => !builtBackends().includes(b));
      message += missing.map((b) => `. To build ${b}: ${HOW_TO_BUILD[b]}`).join('');
    }
    if (camera && !message.includes(camera)) message = `${camera}: ${message}`;
    return new CameraError(
      n.code as NativeErrorCode,
      message,
      {
        param: n.param,
        value: n.value,
        min: n.min,
        max: n.max,
        increment: n.increment,
        allowed: n.allowed,
        camera,
      },
      e,
    );
  }
}

/**
 * flock(2) on an open file, never waiting: true when taken (or converted, or released),
 * false when another open file holds a conflicting lock. HDF5 locks the files it opens
 * this way (h5py: exclusive to write, shared to read), and Node.js has no flock of its own.
 */
export function lockFile(fd: number, mode: 'exclusive' | 'shared' | 'unlock'): boolean {
  const addon = loadAddon();
  if (typeof addon.fileLock !== 'function')
    throw new AddonLoadError(
      'The camera addon was built before it had fileLock: rebuild it with `npm run build:native`.',
    );
  return addon.fileLock(fd, mode);
}

/**
 * A frame from the bytes a camera sends, converted by the addon's code that the aravis and
 * pylon backends use on theirs: Mono10p/Mono12p unpacked to uint16 (GenICam PFNC, LSB-first),
 * Bayer debayered to RGB when asked, other formats as they are.
 */
export function convertPixels(
  pixelFormat: PixelFormat,
  bytes: Uint8Array,
  width: number,
  height: number,
  debayer = false,
): Uint8Array {
  const addon = loadAddon();
  if (typeof addon.convertPixels !== 'function')
    throw new AddonLoadError(
      'The camera addon was built before it had convertPixels: rebuild it with `npm run build:native`.',
    );
  try {
    return addon.convertPixels(pixelFormat, bytes, width, height, debayer);
  } catch (e) {
    throw CameraError.from(e);
  }
}

/** The backends compiled into this build, emulator first. */
export function builtBackends(): BackendName[] {
  return loadAddon().backends() as BackendName[];
}

/** Devices of one backend, or of every built backend when none is given. */
export async function listDevices(backend?: BackendName | string): Promise<DeviceInfo[]> {
  const addon = loadAddon();
  const names = backend === undefined ? addon.backends() : [backend];
  const out: DeviceInfo[] = [];
  for (const name of names) {
    try {
      out.push(...(await addon.listDevices(name)));
    } catch (e) {
      throw CameraError.from(e);
    }
  }
  return out;
}

export interface OpenOptions {
  /** Default: emulator. */
  backend?: BackendName | string;
  /** Device id or serial number; empty or absent takes the first camera found. */
  device?: string;
  /** Emulator: the same seed gives the same frames. */
  seed?: number;
  /** Emulator: how many Gaussian particles drift in the field. */
  particles?: number;
  /** Emulator: behave as a camera unplugged after this many frames (to test failure handling). */
  failAfterFrames?: number;
  /** Emulator: behave as a sensor whose width, height and offsets go in steps of this many pixels (to test rounding). */
  roiStep?: number;
}

export interface CameraSettings {
  width: number;
  height: number;
  offsetX: number;
  offsetY: number;
  pixelFormat: PixelFormat;
  /** Frames per second; setting 0 asks for the fastest the camera allows. */
  fps: number;
  exposureUs: number;
  /** In the camera's unit and range: dB for `Gain`, raw counts on older models' `GainRaw`; the emulator takes dB, 0 to 48. */
  gain: number;
}

/** A setting Camera.set moved to the camera's step (a width of 1001 on a sensor that goes in 4s). */
export interface Correction {
  param: 'width' | 'height' | 'offsetX' | 'offsetY';
  asked: number;
  used: number;
  min: number;
  increment: number;
}

const NUMERIC: readonly RawSetting[] = ['width', 'height', 'offsetX', 'offsetY', 'fps', 'exposureUs', 'gain'];

/** Opens a camera. Rejects with CameraError UNKNOWN_BACKEND or NO_DEVICE, saying what exists. */
export async function openCamera(options: OpenOptions = {}): Promise<Camera> {
  const backend = options.backend ?? 'emulator';
  const extra: Record<string, number> = {};
  for (const k of ['seed', 'particles', 'failAfterFrames', 'roiStep'] as const)
    if (options[k] !== undefined) extra[k] = options[k];
  try {
    return new Camera(await loadAddon().open(backend, options.device ?? '', extra));
  } catch (e) {
    throw CameraError.from(e);
  }
}

export interface CameraFrame {
  /** Counts delivered frames from 0 at each start (dropped frames take no number). */
  seq: number;
  /** The camera's own frame counter (GigE Vision ids are 16-bit and wrap). */
  frameId: number;
  /** The camera's clock, converted to ns with its tick frequency (GevTimestampTickFrequency). */
  cameraTimestampNs: bigint;
  /** Host time when the frame arrived, ns since the Unix epoch. */
  hostNs: bigint;
  width: number;
  height: number;
  pixelFormat: PixelFormat;
  dtype: 'uint8' | 'uint16';
  /** [height, width], or [height, width, 3] for RGB8, BGR8 and debayered Bayer frames. */
  shape: number[];
  /** Raw Bayer frames: the colours at (0,0), (0,1), (1,0), (1,1). */
  bayerPattern?: BayerPattern;
  /** Row-major pixels (channels last), little-endian when uint16. */
  data: Uint8Array;
  /** pool and shared modes: the slot to give back. */
  slot?: number;
}

/** A pool of frame slots in a SharedArrayBuffer (mode `shared`); pass `buffer` to workers. */
export interface SharedFramePool {
  buffer: SharedArrayBuffer;
  slots: number;
  frameBytes: number;
  slotOffset: number;
  slotStride: number;
}

const align64 = (n: number) => Math.ceil(n / 64) * 64;

/** A SharedArrayBuffer laid out as the addon expects: int32 slot states, then 64-byte-aligned slots. */
export function createSharedFramePool(shape: {
  width: number;
  height: number;
  pixelFormat: PixelFormat;
  debayer?: boolean;
  slots: number;
}): SharedFramePool {
  const bytes = frameBytes(shape.width, shape.height, frameFormat(shape.pixelFormat, shape.debayer));
  const slotOffset = align64(4 * shape.slots);
  const slotStride = align64(bytes);
  return {
    buffer: new SharedArrayBuffer(slotOffset + slotStride * shape.slots),
    slots: shape.slots,
    frameBytes: bytes,
    slotOffset,
    slotStride,
  };
}

/** The bytes of one slot, read in place (from any thread that has the pool). */
export function sharedSlotView(pool: SharedFramePool, slot: number): Uint8Array {
  return new Uint8Array(pool.buffer, pool.slotOffset + slot * pool.slotStride, pool.frameBytes);
}

/** Gives a slot back to the camera; safe from any worker thread. */
export function releaseSharedSlot(pool: Pick<SharedFramePool, 'buffer' | 'slots'>, slot: number): void {
  Atomics.store(new Int32Array(pool.buffer, 0, pool.slots), slot, 0);
}

export interface StartOptions {
  mode?: 'owned' | 'pool' | 'shared';
  /** Frames in flight (owned: waiting to be taken; pool/shared: slots). Default 8, or the shared pool's slots. */
  buffers?: number;
  /**
   * Modes pool and shared: frames acquired and not yet taken, at most (default `buffers`); the
   * other slots are for frames the consumer still holds. Past it, frames are dropped at the
   * camera, as in owned mode.
   */
  ahead?: number;
  /** Mode shared: where the camera writes. */
  shared?: SharedFramePool;
  /** Bayer formats: deliver RGB (H, W, 3) uint8, demosaiced bilinearly on the grab thread, instead of the raw mosaic. */
  debayer?: boolean;
}

/** One open camera. Not safe to share between two consumers. */
export class Camera {
  readonly info: DeviceInfo;
  private started?: RawStarted & {
    mode: NonNullable<StartOptions['mode']>;
    shared?: SharedFramePool;
    debayer: boolean;
  };
  private wakeUp?: () => void;
  /**
   * The signal the latest next() was given, watched by one listener for the camera's life:
   * a listener added and removed at every wait cost about 10 µs of CPU per frame, a sixth of
   * a 1024² Mono8 frame's time at the emulator's pace (docs/performance-camera.md). One from
   * an earlier signal may still wake a waiter, which then finds no frame and waits again.
   */
  private watched?: AbortSignal;
  private failure?: CameraError;

  constructor(private readonly raw: RawCamera) {
    this.info = raw.info();
  }

  /** "aravis:Fake_1", used in every error about this camera. */
  get name(): string {
    return `${this.info.backend}:${this.info.id}`;
  }

  private async call<T>(p: () => Promise<T>): Promise<T> {
    try {
      return await p();
    } catch (e) {
      throw CameraError.from(e, this.name);
    }
  }

  /** The current settings, read from the camera. */
  async get(): Promise<CameraSettings> {
    const out = { pixelFormat: await this.call(() => this.raw.control('getFormat')) } as CameraSettings;
    for (const k of NUMERIC)
      (out as unknown as Record<string, number>)[k] = await this.call(() => this.raw.control('get', k));
    return out;
  }

  /** What the camera accepts for one numeric setting now (it may depend on others, e.g. offsetX on width); `increment` when it goes in steps. */
  range(name: RawSetting): Promise<{ min: number; max: number; increment?: number }> {
    return this.call(() => this.raw.control('range', name));
  }

  /**
   * Applies settings in an order cameras accept (format, size, then offsets, rate, exposure, gain).
   * A width, height or offset between the camera's steps (a sensor that goes in 4s) is moved down
   * to one and told to `corrected`. Rejects with PARAM_REFUSED naming the setting, the value and the
   * allowed range.
   */
  async set(settings: Partial<CameraSettings>, corrected?: (c: Correction) => void): Promise<CameraSettings> {
    if (settings.pixelFormat !== undefined) {
      const f = settings.pixelFormat;
      await this.call(() => this.raw.control('setFormat', f));
    }
    // Shrinking the offsets first lets a larger width or height fit.
    if (settings.offsetX !== undefined && (settings.width ?? 0) > 0)
      await this.call(() => this.raw.control('set', 'offsetX', 0));
    if (settings.offsetY !== undefined && (settings.height ?? 0) > 0)
      await this.call(() => this.raw.control('set', 'offsetY', 0));
    for (const k of NUMERIC) {
      let v = settings[k];
      if (v === undefined) continue;
      if (k === 'width' || k === 'height' || k === 'offsetX' || k === 'offsetY') v = await this.onStep(k, v, corrected);
      const value = v;
      await this.call(() => this.raw.control('set', k, value));
    }
    return this.get();
  }

  /** `v`, or the step of the camera's below it (never below its minimum), told to `corrected`. */
  private async onStep(param: Correction['param'], v: number, corrected?: (c: Correction) => void): Promise<number> {
    const { min, increment } = await this.range(param);
    if (!increment || increment <= 1 || (v - min) % increment === 0 || v < min) return v;
    const used = min + Math.floor((v - min) / increment) * increment;
    corrected?.({ param, asked: v, used, min, increment });
    return used;
  }

  /**
   * Sets a standard feature a camera may lack (BinningHorizontal, ExposureAuto...): lacking it, the
   * camera is as `neutral` says (no binning, no auto), so that value asks nothing; any other is
   * refused naming the param. `param` is the Camera node's name for it.
   */
  async setIfAny(feature: string, value: FeatureValue, neutral: FeatureValue, param: string): Promise<void> {
    if ((await this.featureNames()).includes(feature)) return this.setFeature(feature, value);
    if (value === neutral) return;
    throw new CameraError(
      'PARAM_REFUSED',
      `${this.name}: ${param} ${String(value)} refused: the camera has no ${feature}`,
      {
        param,
        value,
        camera: this.name,
      },
    );
  }

  /** The names of the camera's GenICam features (the emulator has a small set: docs/camera.md). */
  featureNames(): Promise<string[]> {
    return this.call(() => this.raw.control('features'));
  }

  /** A GenICam feature's value, read from the camera. Rejects with UNKNOWN_FEATURE naming the closest names. */
  async getFeature(name: string): Promise<FeatureValue> {
    try {
      return await this.call(() => this.raw.control('getFeature', name));
    } catch (e) {
      throw await this.withSuggestions(e);
    }
  }

  /**
   * Sets a GenICam feature by name (a Command runs with `true`). Rejects with UNKNOWN_FEATURE naming
   * the closest names, or PARAM_REFUSED with the range and increment, or the entries, the camera allows.
   */
  async setFeature(name: string, value: FeatureValue): Promise<void> {
    try {
      await this.call(() => this.raw.control('setFeature', name, value));
    } catch (e) {
      throw await this.withSuggestions(e);
    }
  }

  /** What the camera allows for a feature now: its type, access, range and increment, or entries. */
  async describeFeature(name: string): Promise<FeatureInfo> {
    try {
      return await this.call(() => this.raw.control('describeFeature', name));
    } catch (e) {
      throw await this.withSuggestions(e);
    }
  }

  /**
   * How frames start, through the standard (SFNC) trigger features. Every trigger the camera has
   * (TriggerSelector's entries: AcquisitionStart, FrameStart...) is turned off first, so a camera
   * another program left waiting for a trigger runs again; then, unless `off`, FrameStart waits
   * for `Software` (fireTrigger()) or an edge on the line. A camera without TriggerMode is
   * always free-running: `off` asks nothing of it, anything else is refused.
   */
  async setTrigger(trigger: Trigger, activation: TriggerActivation = 'RisingEdge'): Promise<void> {
    const names = new Set(await this.featureNames());
    if (!names.has('TriggerMode')) {
      if (trigger === 'off') return;
      throw new CameraError(
        'PARAM_REFUSED',
        `${this.name}: trigger ${trigger} refused: the camera has no TriggerMode`,
        {
          param: 'trigger',
          value: trigger,
          camera: this.name,
        },
      );
    }
    const selectors = names.has('TriggerSelector')
      ? ((await this.describeFeature('TriggerSelector')).entries ?? [])
      : [];
    for (const selector of selectors.length ? selectors : [undefined]) {
      if (selector !== undefined) await this.setFeature('TriggerSelector', selector);
      // A trigger whose mode cannot be written now (not available for this selector) is not waiting either.
      const mode = await this.describeFeature('TriggerMode');
      if (mode.available && mode.writable) await this.setFeature('TriggerMode', 'Off');
    }
    if (selectors.includes('FrameStart')) await this.setFeature('TriggerSelector', 'FrameStart');
    if (trigger === 'off') return;
    if (selectors.length && !selectors.includes('FrameStart'))
      throw new CameraError(
        'PARAM_REFUSED',
        `${this.name}: trigger ${trigger} refused: the camera triggers ${selectors.join(', ')}, not FrameStart`,
        { param: 'trigger', value: trigger, allowed: selectors, camera: this.name },
      );
    await this.setFeature('TriggerSource', trigger === 'software' ? 'Software' : trigger);
    if (trigger !== 'software' && names.has('TriggerActivation'))
      await this.setFeature('TriggerActivation', activation);
    await this.setFeature('TriggerMode', 'On');
  }

  /** One software trigger (after setTrigger('software')): the camera starts one frame. */
  fireTrigger(): Promise<void> {
    return this.setFeature('TriggerSoftware', true);
  }

  /**
   * Sets features in the map's order. Every name is checked first, so a misspelt one changes
   * nothing on the camera. `from` names where the map came from in error messages (a feature file).
   */
  async setFeatures(features: Readonly<Record<string, FeatureValue>>, from?: string): Promise<void> {
    const names = Object.keys(features);
    if (names.length === 0) return;
    const known = new Set(await this.featureNames());
    const where = from ? `${from}: ` : '';
    for (const name of names) if (!known.has(name)) throw this.unknownFeature(name, [...known], where);
    for (const name of names) {
      try {
        await this.call(() => this.raw.control('setFeature', name, features[name]));
      } catch (e) {
        const err = e as CameraError;
        if (!where) throw err;
        throw new CameraError(err.code, `${this.name}: ${where}${err.message.replace(`${this.name}: `, '')}`, err, err);
      }
    }
  }

  /**
   * Applies a feature file: pylon loads a .pfs as pylon Viewer saves it (CFeaturePersistence);
   * every backend applies a YAML map of feature names to values (.yaml, .yml) in its order.
   */
  async loadFeatureFile(file: string): Promise<void> {
    if (/\.pfs$/i.test(file)) return this.call(() => this.raw.control('loadFeatureFile', file));
    const bad = (why: string, cause?: unknown) =>
      new CameraError(
        'BAD_ARGUMENT',
        `${this.name}: featureFile ${file} ${why}`,
        { param: 'featureFile', camera: this.name },
        cause,
      );
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      throw bad(`cannot be read: ${(e as Error).message}`, e);
    }
    let map: unknown;
    try {
      map = parseYaml(text);
    } catch (e) {
      throw bad(`is not YAML: ${(e as Error).message}`, e);
    }
    if (map === null || typeof map !== 'object' || Array.isArray(map))
      throw bad('must be a YAML map of feature names to values, like `ExposureAuto: Off`');
    for (const [k, v] of Object.entries(map))
      if (!['number', 'string', 'boolean'].includes(typeof v))
        throw bad(`: ${k} must be a number, a text or true/false`);
    await this.setFeatures(map as Record<string, FeatureValue>, `featureFile ${file}`);
  }

  private unknownFeature(name: string, names: string[], where = ''): CameraError {
    // Typos first, then longer names that begin with it (Gain on a camera that has only GainRaw).
    const lower = name.toLowerCase();
    const longer = names
      .filter((n) => n.length > name.length && n.toLowerCase().startsWith(lower))
      .sort((a, b) => a.length - b.length);
    const closest = [...new Set([...nearest(name, names, 3), ...longer])].slice(0, 3);
    return new CameraError(
      'UNKNOWN_FEATURE',
      `${this.name}: ${where}the camera has no feature ${name}` +
        (closest.length ? `; closest: ${closest.join(', ')}` : `; it has ${names.length} features`),
      { param: name, closest, camera: this.name },
    );
  }

  private async withSuggestions(e: unknown): Promise<unknown> {
    const err = e as CameraError;
    if (err.code !== 'UNKNOWN_FEATURE' || !err.param) return e;
    return this.unknownFeature(err.param, await this.featureNames());
  }

  /** Starts acquisition on the native thread. */
  async start(options: StartOptions = {}): Promise<void> {
    const mode = options.mode ?? (options.shared ? 'shared' : 'owned');
    // The pool's layout (slot states, then slots) depends on its slot count: it decides.
    const buffers = options.shared?.slots ?? options.buffers ?? 8;
    if (mode === 'shared' && !options.shared)
      throw new CameraError('BAD_ARGUMENT', 'mode shared needs a pool from createSharedFramePool()', {
        param: 'shared',
        camera: this.name,
      });
    this.failure = undefined;
    this.started = undefined;
    const shared = options.shared ? new Uint8Array(options.shared.buffer) : undefined;
    const debayer = options.debayer ?? false;
    const ahead = options.ahead;
    const started = await this.call(() =>
      this.raw.start({ mode, buffers, shared, debayer, ...(ahead !== undefined ? { ahead } : {}) }, () =>
        this.wakeUp?.(),
      ),
    );
    const pool = options.shared;
    if (
      mode === 'shared' &&
      pool &&
      (pool.frameBytes !== started.frameBytes || pool.slotStride !== started.slotStride)
    ) {
      await this.call(() => this.raw.stop());
      throw new CameraError(
        'BAD_ARGUMENT',
        `${this.name}: the shared pool holds frames of ${pool.frameBytes} bytes, the camera sends ${started.frameBytes} ` +
          `(${started.width}x${started.height} ${started.pixelFormat}${debayer ? ' debayered' : ''}): make the pool with the camera's width, height, pixelFormat and debayer`,
        {
          param: 'shared',
          value: pool.frameBytes,
          min: started.frameBytes,
          max: started.frameBytes,
          camera: this.name,
        },
      );
    }
    this.started = { ...started, mode, shared: pool, debayer };
  }

  /** The camera's timestamp tick frequency, Hz, once started (frames' cameraTimestampNs are converted with it). */
  get timestampTickHz(): number | undefined {
    return this.started?.timestampTickHz;
  }

  /**
   * Counters since start: frames delivered to JS, and frames dropped: no room for them here, or lost
   * on the way from the camera (incomplete, or skipped in the camera's frame ids: the driver had no
   * buffer, packets never came).
   */
  get counters(): { delivered: number; dropped: number } {
    return this.raw.counters();
  }

  /**
   * The next frame; null when acquisition has stopped or `signal` aborted.
   * Rejects with CAMERA_LOST (naming the camera) when the camera disappeared; frames
   * acquired before that are delivered first.
   */
  async next(signal?: AbortSignal): Promise<CameraFrame | null> {
    const s = this.started;
    if (!s) return null;
    for (;;) {
      if (signal?.aborted) return null;
      if (this.failure) throw this.failure;
      let raw: RawFrame | null | undefined;
      try {
        raw = this.raw.take();
      } catch (e) {
        this.failure = CameraError.from(e, this.name);
        throw this.failure;
      }
      if (raw === null) return null;
      if (raw !== undefined) return this.frame(s, raw);
      if (signal && signal !== this.watched) {
        this.watched = signal;
        signal.addEventListener('abort', () => this.wakeUp?.(), { once: true });
      }
      await new Promise<void>((resolve) => {
        this.wakeUp = () => {
          this.wakeUp = undefined;
          resolve();
        };
      });
    }
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<CameraFrame> {
    for (let f = await this.next(); f; f = await this.next()) yield f;
  }

  private frame(s: NonNullable<Camera['started']>, raw: RawFrame): CameraFrame {
    const data = raw.data ?? new Uint8Array(s.shared!.buffer, s.slotOffset + raw.slot! * s.slotStride, s.frameBytes);
    const f = frameFormat(s.pixelFormat, s.debayer);
    return {
      seq: raw.seq,
      frameId: raw.frameId,
      cameraTimestampNs: raw.cameraTs,
      hostNs: raw.hostNs,
      width: s.width,
      height: s.height,
      pixelFormat: s.pixelFormat,
      dtype: f.dtype,
      shape: frameShape(s.width, s.height, f),
      ...(f.bayerPattern ? { bayerPattern: f.bayerPattern } : {}),
      data,
      slot: raw.slot,
    };
  }

  /** Gives a pool or shared frame's slot back to the camera; its data must not be used afterwards. */
  release(frame: Pick<CameraFrame, 'slot'>): void {
    if (frame.slot !== undefined) this.raw.release(frame.slot);
  }

  /** Stops acquisition; frames not yet taken are discarded at the next start. */
  async stop(): Promise<void> {
    await this.call(() => this.raw.stop());
    this.wakeUp?.();
  }

  /** Stops if needed and releases the device. */
  async close(): Promise<void> {
    await this.stop();
    await this.call(() => this.raw.close());
    this.started = undefined;
  }
}
