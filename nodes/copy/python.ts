/** Copy in an exported script: every branch gets the frame; `deep` gives each its own array. */
import type { PythonTemplate } from '../../runtime/export/template.ts';
import type { ParamsOf } from '../types.ts';
import type { copy } from './index.ts';

const template: PythonTemplate = {
  kind: 'step',
  body(n, emit) {
    const deep = (n.params as ParamsOf<typeof copy>).mode === 'deep';
    return emit(deep ? `Frame(${n.input}.data.copy(), ${n.input}.seq, ${n.input}.t)` : n.input);
  },
};

export default template;
