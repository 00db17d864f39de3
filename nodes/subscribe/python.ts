/** Subscribe in an exported script: its SUB (opened by the exporter) brings the frames; it stops after `frames`. */
import type { PythonTemplate } from '../../runtime/export/template.ts';
import type { ParamsOf } from '../types.ts';
import type { subscribe } from './index.ts';

const template: PythonTemplate = {
  kind: 'step',
  body: (n, emit) => emit(n.input),
  framesLimit: (n) => (n.params as ParamsOf<typeof subscribe>).frames,
};

export default template;
