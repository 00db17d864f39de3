import type { NodeDecl } from '../types.ts';
import { PIXEL_FORMATS } from '../../native/pixel-format.ts';
import { TRIGGERS, TRIGGER_ACTIVATIONS } from '../../native/trigger.ts';

export const camera = {
  type: 'Camera',
  role: 'source',
  inputs: [
    {
      name: 'trigger',
      type: 'any',
      optional: true,
      onlyWhen: { param: 'trigger', value: 'software' },
      doc: 'With trigger: software, each frame arriving here fires one software trigger (the camera sends one frame)',
    },
  ],
  outputs: [{ name: 'out', type: 'frame', doc: 'Frames as the camera delivers them' }],
  params: {
    backend: {
      kind: 'enum',
      choices: ['emulator', 'aravis', 'pylon'],
      default: 'emulator',
      doc: 'Which camera driver: the built-in emulator, GenICam through Aravis, or Basler pylon',
    },
    device: { kind: 'string', default: '', doc: 'Device id or serial number; empty takes the first camera found' },
    width: {
      kind: 'number',
      default: 640,
      min: 1,
      max: 16384,
      integer: true,
      unit: 'px',
      doc: "Frame width; between the camera's steps (a sensor that goes in 4s) it is moved down to one, and the run says so",
    },
    height: {
      kind: 'number',
      default: 480,
      min: 1,
      max: 16384,
      integer: true,
      unit: 'px',
      doc: "Frame height; moved down to the camera's step as width is",
    },
    offsetX: {
      kind: 'number',
      default: 0,
      min: 0,
      max: 16384,
      integer: true,
      unit: 'px',
      doc: 'Region of interest: left edge',
    },
    offsetY: {
      kind: 'number',
      default: 0,
      min: 0,
      max: 16384,
      integer: true,
      unit: 'px',
      doc: 'Region of interest: top edge',
    },
    pixelFormat: {
      kind: 'enum',
      choices: PIXEL_FORMATS,
      default: 'Mono8',
      doc:
        'Pixel format (GenICam names): Mono8 and Bayer give (H, W) uint8 frames (the Bayer pattern in meta.bayerPattern); ' +
        'Mono10, Mono12, Mono16 and the packed Mono10p, Mono12p (unpacked) (H, W) uint16; RGB8, BGR8 (H, W, 3) uint8',
    },
    debayer: {
      kind: 'boolean',
      default: false,
      doc: 'Bayer formats: send RGB (H, W, 3) uint8 frames (bilinear demosaic on the grab thread) instead of the raw mosaic',
    },
    fps: {
      kind: 'number',
      default: 30,
      min: 0,
      max: 100_000,
      unit: 'Hz',
      doc: 'Frame rate; 0 runs as fast as possible (the emulator: as fast as the pipeline takes frames, none dropped)',
    },
    frames: {
      kind: 'number',
      default: 0,
      min: 0,
      max: Number.MAX_SAFE_INTEGER,
      integer: true,
      unit: 'frames',
      doc: 'Stop after this many frames; 0 runs until stopped',
    },
    exposureUs: {
      kind: 'number',
      default: 5000,
      min: 1,
      max: 10_000_000,
      unit: 'µs',
      doc: 'Exposure time (the emulator scales brightness with it)',
    },
    gain: {
      kind: 'number',
      doc:
        "Gain in the camera's own unit and range: dB where it has Gain, raw counts on older models' GainRaw " +
        '(the emulator: 0 to 48 dB, scaling noise). Left out, the camera keeps its gain',
    },
    exposureAuto: {
      kind: 'enum',
      choices: ['Off', 'Once', 'Continuous'],
      default: 'Off',
      doc: 'Auto exposure: Once adjusts at start, Continuous all along (exposureUs is then ignored); Off uses exposureUs',
    },
    gainAuto: {
      kind: 'enum',
      choices: ['Off', 'Once', 'Continuous'],
      default: 'Off',
      doc: 'Auto gain: Once adjusts at start, Continuous all along (gain is then ignored); Off uses gain',
    },
    binningHorizontal: {
      kind: 'number',
      default: 1,
      min: 1,
      max: 16,
      integer: true,
      doc: 'Sensor pixels summed or averaged into one, across (the camera decides which); width then counts binned pixels',
    },
    binningVertical: {
      kind: 'number',
      default: 1,
      min: 1,
      max: 16,
      integer: true,
      doc: 'Sensor pixels binned into one, down; height then counts binned pixels',
    },
    trigger: {
      kind: 'enum',
      choices: TRIGGERS,
      default: 'off',
      doc:
        'How frames start: off (free-running; a camera left in trigger mode is set back), software (a trigger per frame on the ' +
        'trigger input, or at fps when nothing is linked there), or an edge on an input line (Line0...)',
    },
    triggerActivation: {
      kind: 'enum',
      choices: TRIGGER_ACTIVATIONS,
      default: 'RisingEdge',
      doc: 'Line triggers: which edge starts a frame',
    },
    featureFile: {
      kind: 'string',
      default: '',
      doc:
        'A file of camera settings applied after the params above and before `features`: pylon loads a .pfs as pylon Viewer saves it; ' +
        'every backend takes a YAML map of GenICam feature names to values (.yaml)',
    },
    features: {
      kind: 'map',
      default: {},
      // GenICam names: a letter or underscore, then letters, digits, underscores (so the map keeps its order).
      keyPattern: '[A-Za-z_][A-Za-z0-9_]*',
      doc:
        'GenICam features by name, set in the order written after every other setting, e.g. {ExposureAuto: Off, GainRaw: 12}; ' +
        'true runs a command (UserSetLoad: true). A name the camera lacks fails the run at start naming the closest ones',
    },
    seed: {
      kind: 'number',
      default: 1,
      min: 0,
      max: 2 ** 31 - 1,
      integer: true,
      doc: 'Emulator only: the same seed gives the same frames',
    },
    particles: {
      kind: 'number',
      default: 20,
      min: 0,
      max: 10_000,
      integer: true,
      doc: 'Emulator only: how many Gaussian particles drift in the field',
    },
    loop: {
      kind: 'number',
      default: 0,
      min: 0,
      max: 1024,
      integer: true,
      unit: 'frames',
      doc: 'Emulator only: render this many frames before the run and send them in turn at the frame rate, like a test pattern, so frames cost no rendering; 0 renders every frame',
    },
    buffers: {
      kind: 'number',
      default: 8,
      min: 1,
      max: 1024,
      integer: true,
      unit: 'frames',
      doc: 'Frames the camera holds while the pipeline is busy; beyond that, frames are dropped and counted',
    },
  },
  progress: { param: 'frames' },
  preview: { scale: 'linear' },
  docs: {
    summary: 'Frames from a camera: emulated, GenICam (Aravis) or Basler pylon',
    description:
      'The source of a pipeline. Acquisition runs on a native thread and never blocks the event loop; ' +
      'each frame carries its sequence number, the acquisition time and the camera settings. ' +
      'Frames the pipeline cannot take in time are dropped at the camera and counted.',
  },
} as const satisfies NodeDecl;
