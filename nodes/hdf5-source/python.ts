/**
 * HDF5Source in an exported script: h5py reads the dataset one frame at a time, with the
 * recording's seq and timestamps when they are beside it, at `fps` (realtime is not carried
 * over: a comment says so) over `start`..`stop`, looping if asked.
 */
import { pyText, type PythonTemplate } from '../../runtime/export/template.ts';
import type { ParamsOf } from '../types.ts';
import type { hdf5Source } from './index.ts';

type Params = ParamsOf<typeof hdf5Source>;

const template: PythonTemplate = {
  kind: 'source',
  imports: ['h5py'],
  setup(n) {
    const p = n.params as Params;
    const q = JSON.stringify;
    return [
      `# ${n.id}: replays ${pyText(p.file)}${p.realtime ? ' (realtime pacing is not carried over: fps is used)' : ''}`,
      `${n.name}_file = h5py.File(${q(p.file)}, 'r')`,
      `${n.name}_where = ${q(p.group)} or next((k for k in sorted(${n.name}_file.keys(), reverse=True) if isinstance(${n.name}_file[k], h5py.Group) and ${q(p.dataset)} in ${n.name}_file[k]), '/')`,
      `${n.name}_group = ${n.name}_file[${n.name}_where]`,
      `${n.name}_data = ${n.name}_group[${q(p.dataset)}]`,
      `${n.name}_seq = ${n.name}_group['seq'][:] if 'seq' in ${n.name}_group and len(${n.name}_group['seq']) == len(${n.name}_data) else None`,
      `${n.name}_t = ${n.name}_group['timestamps'][:] if 'timestamps' in ${n.name}_group and len(${n.name}_group['timestamps']) == len(${n.name}_data) else None`,
      `${n.name}_stop = ${p.stop} or len(${n.name}_data)`,
    ];
  },
  body(n, emit) {
    const p = n.params as Params;
    return [
      `${n.name}_i = ${p.start} + (${n.count} % max(1, ${n.name}_stop - ${p.start}) if ${p.loop ? 'True' : 'False'} else ${n.count})`,
      `if ${n.name}_i >= ${n.name}_stop:`,
      `    break`,
      `${n.name}_s = int(${n.name}_seq[${n.name}_i]) if ${n.name}_seq is not None and not ${p.loop ? 'True' : 'False'} else ${n.count}`,
      `${n.name}_when = int(${n.name}_t[${n.name}_i]) if ${n.name}_t is not None else time.time_ns()`,
      ...emit(`Frame(${n.name}_data[${n.name}_i], ${n.name}_s, ${n.name}_when)`),
    ];
  },
  end: (n) => [`${n.name}_file.close()`],
  period: (n) => ((n.params as Params).fps > 0 ? 1 / (n.params as Params).fps : 0),
};

export default template;
