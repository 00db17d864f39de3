/**
 * Typings of the raw addon (native/src/addon.cc). Application code uses native/index.ts.
 */
import type { PixelFormat } from './pixel-format.ts';

/** The closed set of codes a native error carries (native/src/device.h ErrorCode). */
export type NativeErrorCode =
  | 'UNKNOWN_BACKEND'
  | 'NO_DEVICE'
  | 'PARAM_REFUSED'
  | 'UNKNOWN_FEATURE'
  | 'CAMERA_LOST'
  | 'CAMERA_ERROR'
  | 'BAD_STATE'
  | 'BAD_ARGUMENT';

/** A GenICam feature's value: a number (Integer, Float), a text (Enumeration, String) or a flag (Boolean; true runs a Command). */
export type FeatureValue = number | string | boolean;

/** What a camera says about one of its features now (native/src/device.h FeatureInfo). */
export interface FeatureInfo {
  type: 'Integer' | 'Float' | 'Enumeration' | 'Boolean' | 'String' | 'Command';
  available: boolean;
  readable: boolean;
  writable: boolean;
  /** Integer and Float. */
  min?: number;
  max?: number;
  /** Integer and Float with a step: the feature takes min + k * increment. */
  increment?: number;
  /** Enumeration: the entries settable now. */
  entries?: string[];
}

/** An Error thrown or rejected by the addon. */
export interface NativeError extends Error {
  code: NativeErrorCode;
  param?: string;
  value?: FeatureValue;
  min?: number;
  max?: number;
  /** A feature's step: values are min + k * increment. */
  increment?: number;
  allowed?: string[];
}

export interface RawDeviceInfo {
  backend: string;
  id: string;
  serial: string;
  vendor: string;
  model: string;
  transport: string;
}

/** The numeric settings the addon knows by name. */
export type RawSetting = 'width' | 'height' | 'offsetX' | 'offsetY' | 'fps' | 'exposureUs' | 'gain';

export interface RawStartOptions {
  mode: 'owned' | 'pool' | 'shared';
  /** Frames in flight: the ready queue (owned) or the slots (pool, shared). */
  buffers: number;
  /** pool and shared modes: frames waiting to be taken, at most (default `buffers`). */
  ahead?: number;
  /** shared mode: a Uint8Array over the whole SharedArrayBuffer. */
  shared?: Uint8Array;
  /** Bayer formats: deliver RGB (H, W, 3) instead of the raw mosaic. */
  debayer?: boolean;
}

export interface RawStarted {
  width: number;
  height: number;
  pixelFormat: PixelFormat;
  frameBytes: number;
  /** How fast the camera's timestamp counter ticks (GevTimestampTickFrequency); frames' cameraTs are ns already. */
  timestampTickHz: number;
  /** Pool layout: slot states are int32 at byte 0, slot i starts at slotOffset + i * slotStride. */
  slotOffset: number;
  slotStride: number;
}

export interface RawFrame {
  /** Counts delivered frames from 0 at each start. */
  seq: number;
  /** The camera's own frame counter. */
  frameId: number;
  cameraTs: bigint;
  hostNs: bigint;
  /** pool and shared modes. */
  slot?: number;
  /** owned and pool modes. */
  data?: Buffer;
}

export interface RawCamera {
  info(): RawDeviceInfo;
  control(op: 'get', name: RawSetting): Promise<number>;
  control(op: 'set', name: RawSetting, value: number): Promise<number>;
  /** `increment` when the setting goes in steps (min + k * increment). */
  control(op: 'range', name: RawSetting): Promise<{ min: number; max: number; increment?: number }>;
  control(op: 'getFormat'): Promise<PixelFormat>;
  control(op: 'setFormat', name: string): Promise<PixelFormat>;
  /** The names of the camera's GenICam features (the emulator's small set). */
  control(op: 'features'): Promise<string[]>;
  control(op: 'getFeature', name: string): Promise<FeatureValue>;
  /** What the camera allows for a feature now. Rejects with UNKNOWN_FEATURE. */
  control(op: 'describeFeature', name: string): Promise<FeatureInfo>;
  /** Rejects with UNKNOWN_FEATURE, or PARAM_REFUSED saying the range, increment or entries allowed. */
  control(op: 'setFeature', name: string, value: FeatureValue): Promise<void>;
  /** pylon: a .pfs file; the other backends reject it (BAD_ARGUMENT). */
  control(op: 'loadFeatureFile', path: string): Promise<void>;
  /** `wake` is called (on the event loop) once after take() returned undefined, when a frame or the end arrives. */
  start(options: RawStartOptions, wake: () => void): Promise<RawStarted>;
  /** A frame; undefined when none is ready yet; null once acquisition has ended. Throws when the camera failed. */
  take(): RawFrame | null | undefined;
  release(slot: number): void;
  counters(): { delivered: number; dropped: number };
  stop(): Promise<void>;
  close(): Promise<void>;
}

export interface RawAddon {
  backends(): string[];
  listDevices(backend: string): Promise<RawDeviceInfo[]>;
  open(backend: string, idOrSerial: string, options: Record<string, number>): Promise<RawCamera>;
  /** flock(2), never waiting: false when another open file description holds a conflicting lock. */
  fileLock(fd: number, mode: 'exclusive' | 'shared' | 'unlock'): boolean;
  /** A frame from the bytes a camera sends (packed formats unpacked, Bayer debayered if asked), as the backends convert theirs. */
  convertPixels(pixelFormat: string, bytes: Uint8Array, width: number, height: number, debayer?: boolean): Buffer;
  /** glibc malloc's mmap and trim thresholds for this process (native/src/malloc-tuning.cc); false where malloc is not glibc's. */
  tuneMalloc(mmapThreshold: number, trimThreshold: number): boolean;
  /** Blocks malloc holds as their own mmap'd pages now (glibc's mallinfo2); undefined where malloc is not glibc's. */
  mallocInfo(): { mmappedBlocks: number; mmappedBytes: number } | undefined;
  /** The first `bytes` of an open file as a shared mapping (native/src/shared-map.cc); the file must stay that long while it lives. */
  mapFile(fd: number, bytes: number): ArrayBuffer;
  /** Whether this build and CPU run the FFT node's native transform (x86-64 with AVX2 and FMA). */
  fft2Native(): boolean;
  /** Which build of it runs: "avx512" (F and DQ), "avx2", or "" (none); PATCHBAY_FFT_ISA=avx2 picks AVX2 (native/src/fft2.cc). */
  fft2Isa(): '' | 'avx2' | 'avx512';
  /** One channel of a frame through the native transform (native/src/fft2.cc, nodes/fft/native-fft2.ts). */
  fft2(
    /** The frame, or its address() with its byte length as xBytes. */
    x: ArrayBufferView | number,
    xOffset: number,
    dtype: number,
    h: number,
    w: number,
    nc: number,
    planW: Int32Array,
    planH: Int32Array,
    work: Float64Array,
    out: ArrayBufferView,
    outOffset: number,
    mode: number,
    shift: boolean,
    xBytes?: number,
  ): void;
  /** Where a typed array's bytes are in this process's memory, for fft2 on another thread; keep the array meanwhile. */
  address(x: ArrayBufferView): number;
}
