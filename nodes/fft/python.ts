/**
 * FFT in an exported script: numpy's fft2 / rfft2 over height and width (each channel of an
 * (H, W, C) frame), with output, shift and precision as nodes/fft/fft2.ts computes them
 * (docs/fft.md): float64 throughout, rounded to float32 / complex64 for precision fast.
 */
import type { PythonTemplate } from '../../runtime/export/template.ts';
import type { ParamsOf } from '../types.ts';
import type { fft } from './index.ts';

const template: PythonTemplate = {
  kind: 'step',
  body(n, emit) {
    const { output, shift, precision } = n.params as ParamsOf<typeof fft>;
    const x = `${n.name}_spectrum`;
    const half = output === 'half';
    const lines = [
      `# ${n.id}: ${output} of the 2D FFT over height and width${shift ? ', zero frequency centred' : ''}, ${precision} (float64${precision === 'fast' ? ' rounded to float32' : ''})`,
      `${x} = np.fft.${half ? 'rfft2' : 'fft2'}(np.asarray(${n.input}.data, dtype=np.float64), axes=(0, 1))`,
    ];
    // rfft2's last axis holds the non-negative frequencies only: half shifts axis 0 alone.
    if (shift) lines.push(`${x} = np.fft.fftshift(${x}, axes=${half ? '0' : '(0, 1)'})`);
    if (output === 'magnitude') lines.push(`${x} = np.abs(${x})`);
    if (output === 'log-magnitude') lines.push(`${x} = np.log1p(np.abs(${x}))`);
    if (output === 'power') lines.push(`${x} = np.abs(${x}) ** 2`);
    if (precision === 'fast')
      lines.push(`${x} = ${x}.astype(np.${output === 'complex' || half ? 'complex64' : 'float32'})`);
    return [...lines, ...emit(`Frame(${x}, ${n.input}.seq, ${n.input}.t)`)];
  },
};

export default template;
