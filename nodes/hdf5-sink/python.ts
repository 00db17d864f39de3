/**
 * HDF5Sink in an exported script: h5py appends each frame along N of an extendable dataset,
 * with its seq and timestamp in `seq` and `timestamps` beside it, in a group named by `group`
 * (the start time by default), as docs/hdf5.md lays the file out; flushed every `flushEvery`.
 */
import { py, pyText, type PythonTemplate } from '../../runtime/export/template.ts';
import type { ParamsOf } from '../types.ts';
import type { hdf5Sink } from './index.ts';

type Params = ParamsOf<typeof hdf5Sink>;

const MODE = { error: 'w-', overwrite: 'w', append: 'a' } as const;

const template: PythonTemplate = {
  kind: 'sink',
  imports: ['datetime', 'h5py', 'os'],
  setup(n) {
    const p = n.params as Params;
    const v = (s: string) => `${n.name}_${s}`;
    const file = p.file.includes('{')
      ? `${py(p.file)}.replace("{date}", datetime.datetime.now().strftime("%Y-%m-%d")).replace("{time}", datetime.datetime.now().strftime("%H-%M-%S"))`
      : py(p.file);
    return [
      `# ${n.id}: ${pyText(p.file)}, dataset ${pyText(p.dataset)} with seq and timestamps beside it (docs/hdf5.md), ifExists: ${p.ifExists}`,
      `${v('path')} = ${file}`,
      `os.makedirs(os.path.dirname(${v('path')}) or ".", exist_ok=True)`,
      ...(p.ifExists === 'error'
        ? [
            `if os.path.exists(${v('path')}):`,
            `    sys.exit(${py(`${n.id}: `)} + ${v('path')} + " exists (ifExists: error)")`,
          ]
        : []),
      `${v('file')} = h5py.File(${v('path')}, ${py(MODE[p.ifExists])})`,
      `${v('group')} = ${v('file')}.create_group(${p.group ? py(p.group) : 'str(datetime.datetime.now())'})`,
      `${v('group')}.attrs["node"] = ${py(n.id)}`,
      `${v('group')}.attrs["started"] = datetime.datetime.now(datetime.timezone.utc).isoformat()`,
      `${v('seq')} = ${v('group')}.create_dataset("seq", shape=(0,), maxshape=(None,), dtype="<u8", chunks=(1024,))`,
      `${v('timestamps')} = ${v('group')}.create_dataset("timestamps", shape=(0,), maxshape=(None,), dtype="<i8", chunks=(1024,))`,
      `${v('frames')} = None  # created with the first frame: its shape and dtype`,
      `${v('file')}.flush()`,
      `${v('flush')} = time.monotonic() + ${p.flushEvery}`,
    ];
  },
  body(n) {
    const p = n.params as Params;
    const v = (s: string) => `${n.name}_${s}`;
    const x = `${n.input}.data`;
    const gzip = p.compression === 'gzip' ? `, compression="gzip", compression_opts=${p.level}` : '';
    return [
      `if ${v('frames')} is None:`,
      `    ${v('frames')} = ${v('group')}.create_dataset(${py(p.dataset)}, shape=(0,) + ${x}.shape, maxshape=(None,) + ${x}.shape,`,
      `                                                dtype=${x}.dtype, chunks=(${p.chunkFrames},) + ${x}.shape${gzip})`,
      `if ${x}.shape != ${v('frames')}.shape[1:] or ${x}.dtype != ${v('frames')}.dtype:`,
      `    print(${py(`${n.id}: FRAME_MISMATCH, not written: `)} + str(${x}.dtype) + str(${x}.shape), file=sys.stderr)`,
      p.maxFrames === 0 ? 'else:' : `elif ${v('frames')}.shape[0] < ${p.maxFrames}:  # maxFrames`,
      `    ${v('n')} = ${v('frames')}.shape[0]`,
      `    for ${v('d')} in (${v('frames')}, ${v('seq')}, ${v('timestamps')}):`,
      `        ${v('d')}.resize(${v('n')} + 1, axis=0)`,
      `    ${v('frames')}[${v('n')}] = ${x}`,
      `    ${v('seq')}[${v('n')}] = ${n.input}.seq`,
      `    ${v('timestamps')}[${v('n')}] = ${n.input}.t`,
      `if time.monotonic() >= ${v('flush')}:`,
      `    ${v('file')}.flush()`,
      `    ${v('flush')} = time.monotonic() + ${p.flushEvery}`,
    ];
  },
  end: (n) => [`${n.name}_file.close()`],
};

export default template;
