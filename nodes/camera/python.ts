/**
 * Camera in an exported script: a deterministic numpy test pattern of the camera's size, pixel
 * format, rate and frame count. Its content differs from the emulator's (moving particles):
 * frame k is (row + column + k) modulo the pixel format's range, so a reader can check it.
 */
import type { PythonTemplate } from '../../runtime/export/template.ts';
import { frameFormat, type PixelFormat } from '../../native/pixel-format.ts';
import type { ParamsOf } from '../types.ts';
import type { camera } from './index.ts';

type Params = ParamsOf<typeof camera>;

/** dtype, range and channels of the frames (packed and 10/12-bit mono arrive as uint16; colour and debayered Bayer as (H, W, 3)). */
function format(p: Params): { dtype: string; range: number; channels: number } {
  const f = frameFormat(p.pixelFormat as PixelFormat, p.debayer);
  return { dtype: f.dtype, range: 2 ** f.bits, channels: f.channels };
}

const template: PythonTemplate = {
  kind: 'source',
  setup(n) {
    const p = n.params as Params;
    const f = format(p);
    const shape = f.channels === 1 ? '' : `, ${f.channels}`;
    return [
      `# ${n.id}: ${p.width}x${p.height} ${p.pixelFormat}${shape ? ' (H, W, 3)' : ''} at ${p.fps || 'full'} fps, ${p.frames || 'until Ctrl-C'}${p.frames ? ' frames' : ''}.`,
      `# A test pattern, not the camera (patchbay's emulator draws particles): frame k = (row + column + k) % ${f.range}`,
      `${n.name}_ramp = np.add.outer(np.arange(${p.height}), np.arange(${p.width}))`,
      ...(shape
        ? [`${n.name}_ramp = np.stack([${n.name}_ramp + 85 * c for c in range(3)], axis=-1)  # each channel shifted`]
        : []),
    ];
  },
  body(n, emit) {
    const f = format(n.params as Params);
    return [
      `${n.name}_data = ((${n.name}_ramp + ${n.count}) % ${f.range}).astype(np.${f.dtype})`,
      ...emit(`Frame(${n.name}_data, ${n.count}, time.time_ns())`),
    ];
  },
  framesLimit: (n) => (n.params as Params).frames,
  period: (n) => ((n.params as Params).fps > 0 ? 1 / (n.params as Params).fps : 0),
};

export default template;
