/**
 * Pickled numpy arrays, as course scripts send them with pyzmq's send_pyobj and read them with
 * recv_pyobj: Debian's python3 (numpy, pyzmq) pickles arrays at every protocol and reads ours, in
 * one process (test/fixtures/pickle/cases.py); hostile and broken pickles are refused by code.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, test } from 'vitest';
import { WireError, type DType } from '../../runtime/wire/index.ts';
import { decodePickle, encodePickle, encodePickleString, isPickle } from '../../runtime/wire/pickle.ts';
import { PYTHON, missing, pythonHas } from '../helpers/env.ts';

const CASES_PY = fileURLToPath(new URL('../fixtures/pickle/cases.py', import.meta.url));

/** The WireError decodePickle throws (anything else thrown, or nothing, fails the test). */
function refusal(bytes: Uint8Array): WireError {
  try {
    decodePickle(bytes);
  } catch (e) {
    if (e instanceof WireError) return e;
    throw e;
  }
  throw new Error('decodePickle accepted the message');
}

const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
const latin1 = (s: string) => Buffer.from(s, 'latin1');

/** Frames of every dtype, and shapes whose dimensions take each of the encoder's int opcodes. */
const OURS: { name: string; dtype: DType; shape: number[]; data: Uint8Array }[] = [
  {
    name: 'uint8 (4, 5, 3)',
    dtype: 'uint8',
    shape: [4, 5, 3],
    data: Uint8Array.from({ length: 60 }, (_, i) => (i * 37) % 256),
  },
  { name: 'uint16', dtype: 'uint16', shape: [2, 3], data: bytesOf(new Uint16Array([0, 1, 2, 300, 65535, 7])) },
  { name: 'int16', dtype: 'int16', shape: [2, 3], data: bytesOf(new Int16Array([-32768, -1, 0, 1, 32767, 9])) },
  {
    name: 'int32',
    dtype: 'int32',
    shape: [3, 2],
    data: bytesOf(new Int32Array([-(2 ** 31), -1, 0, 1, 2 ** 31 - 1, 5])),
  },
  {
    name: 'float32',
    dtype: 'float32',
    shape: [2, 3],
    data: bytesOf(new Float32Array([0.5, -2, 3.25, 0, Infinity, -1e-30])),
  },
  {
    name: 'float64',
    dtype: 'float64',
    shape: [2, 3],
    data: bytesOf(new Float64Array([0.5, -2, 1e300, 0, -Infinity, Math.PI])),
  },
  { name: 'complex64', dtype: 'complex64', shape: [3], data: bytesOf(new Float32Array([0.5, -2, 3.25, 0, 1, 2])) },
  { name: 'complex128', dtype: 'complex128', shape: [1, 2], data: bytesOf(new Float64Array([0.5, -2, 3.25, 1e-300])) },
  {
    name: 'float64 1-D',
    dtype: 'float64',
    shape: [7],
    data: bytesOf(Float64Array.from({ length: 7 }, (_, i) => i / 7)),
  },
  {
    name: 'int16 4-D',
    dtype: 'int16',
    shape: [2, 1, 3, 2],
    data: bytesOf(Int16Array.from({ length: 12 }, (_, i) => i - 6)),
  },
  { name: 'empty uint16 (0, 5)', dtype: 'uint16', shape: [0, 5], data: new Uint8Array(0) },
  {
    name: 'uint8 (300, 2)',
    dtype: 'uint8',
    shape: [300, 2],
    data: Uint8Array.from({ length: 600 }, (_, i) => i % 251),
  },
  {
    name: 'uint8 (70000,)',
    dtype: 'uint8',
    shape: [70000],
    data: Uint8Array.from({ length: 70000 }, (_, i) => i % 253),
  },
];

describe('pickles without Python', () => {
  test('isPickle: PROTO 2 to 5 first; JSON headers and other bytes are not pickles', () => {
    for (const p of [2, 3, 4, 5]) expect(isPickle(Uint8Array.of(0x80, p, 0x2e))).toBe(true);
    for (const b of [
      Uint8Array.of(0x80, 1),
      Uint8Array.of(0x80, 6),
      Uint8Array.of(0x80),
      new Uint8Array(0),
      Buffer.from('{"v":1}'),
    ])
      expect(isPickle(b)).toBe(false);
  });

  test.each([
    ['os.system by GLOBAL', latin1('\x80\x02cos\nsystem\nX\x02\x00\x00\x00ls\x85R.'), 'os.system'],
    ['posix.system by STACK_GLOBAL', latin1('\x80\x04\x8c\x05posix\x8c\x06system\x93\x8c\x02ls\x85R.'), 'posix.system'],
    ['builtins.eval', latin1('\x80\x03cbuiltins\neval\nX\x01\x00\x00\x001\x85R.'), 'builtins.eval'],
    ['subprocess.Popen', latin1('\x80\x04\x8c\nsubprocess\x8c\x05Popen\x93.'), 'subprocess.Popen'],
  ])('a pickle calling %s is refused at its global, before any call', (_, bytes, name) => {
    const e = refusal(bytes);
    expect(e.code).toBe('BAD_PICKLE');
    expect(e.message).toContain(name);
  });

  test.each([
    ['garbage after 0x80 0x04', latin1('\x80\x04\xff\x00\x13garbage')],
    ['nothing after PROTO', latin1('\x80\x04')],
    ['protocol 1', latin1('\x80\x01N.')],
    ['not a pickle at all', Buffer.from('{"v":1,"kind":"eos","seq":0}')],
    ['bytes after STOP', latin1('\x80\x04N.N')],
    ['two values at STOP', latin1('\x80\x04NN.')],
    ['STOP on an empty stack', latin1('\x80\x04.')],
    ['an unread memo entry', latin1('\x80\x04h\x05.')],
    ['a protocol 0 opcode (UNICODE)', latin1('\x80\x02Vabc\n.')],
    ['BINBYTES8 longer than the message', latin1('\x80\x04\x8e\xff\xff\xff\xff\xff\xff\xff\xff.')],
    ['a FRAME longer than the message', latin1('\x80\x04\x95\x00\x01\x00\x00\x00\x00\x00\x00N.')],
    ['100 000 nested MARKs', Buffer.concat([latin1('\x80\x04'), Buffer.alloc(100_000, 0x28)])],
    ['100 000 nested lists', Buffer.concat([latin1('\x80\x04'), Buffer.alloc(100_000, 0x5d)])],
    ['a memo of 100 000 entries', Buffer.concat([latin1('\x80\x04N'), Buffer.alloc(100_000, 0x94)])],
    ['REDUCE on a str', latin1('\x80\x04\x8c\x01a)R.')],
  ])('%s: BAD_PICKLE', (_, bytes) => {
    expect(refusal(bytes).code).toBe('BAD_PICKLE');
  });

  test('encodePickle then decodePickle gives the frame back, the payload a view into the message', () => {
    for (const f of OURS) {
      const msg = encodePickle(f);
      expect(isPickle(msg), f.name).toBe(true);
      const back = decodePickle(msg);
      expect({ ...back, data: Buffer.from(back.data) }, f.name).toEqual({
        dtype: f.dtype,
        shape: f.shape,
        data: Buffer.from(f.data),
      });
      expect(back.data.buffer, f.name).toBe(msg.buffer);
    }
  });

  test('encodePickle refuses a frame whose shape, size or dtype is wrong', () => {
    const code = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return (e as WireError).code;
      }
      return undefined;
    };
    expect(code(() => encodePickle({ dtype: 'uint8', shape: [], data: new Uint8Array(1) }))).toBe('BAD_SHAPE');
    expect(code(() => encodePickle({ dtype: 'uint8', shape: [-1], data: new Uint8Array(1) }))).toBe('BAD_SHAPE');
    expect(code(() => encodePickle({ dtype: 'uint16', shape: [3], data: new Uint8Array(3) }))).toBe('SIZE_MISMATCH');
    expect(code(() => encodePickle({ dtype: 'int64' as DType, shape: [1], data: new Uint8Array(8) }))).toBe(
      'BAD_DTYPE',
    );
  });

  test('every truncation of a pickle is BAD_PICKLE, every one-byte change is a frame or a WireError', () => {
    const msg = encodePickle(OURS[1]);
    for (let n = 0; n < msg.byteLength; n++)
      expect(refusal(msg.subarray(0, n)).code, `first ${n} bytes`).toBe('BAD_PICKLE');
    for (let i = 0; i < msg.byteLength; i++)
      for (const v of [0x00, 0x01, 0x28, 0x2e, 0x7f, 0x80, 0xff, msg[i] ^ 0x01]) {
        const changed = Buffer.from(msg);
        changed[i] = v;
        try {
          decodePickle(changed);
        } catch (e) {
          expect(e, `byte ${i} set to ${v}`).toBeInstanceOf(WireError);
        }
      }
  });
});

const skip = missing('python3 with numpy and pyzmq', () => pythonHas('numpy', 'zmq'));

interface Expected {
  dtype: DType;
  shape: number[];
  data: string;
}
interface PythonOut {
  arrays: ({ name: string; pickle: string } & Expected)[];
  pyzmq: { protocol: number; pickle: string } & Expected;
  refusals: Record<string, string>;
  ours: ({ name: string; type: string; equal: boolean } & Expected)[];
  string: string;
}

describe.skipIf(skip)('pickles against Python, numpy and pyzmq', () => {
  let py: PythonOut;
  beforeAll(() => {
    const ours = OURS.map((f) => ({
      name: f.name,
      dtype: f.dtype,
      shape: f.shape,
      data: Buffer.from(f.data).toString('base64'),
      pickle: encodePickle(f).toString('base64'),
    }));
    const input = JSON.stringify({ ours, string: encodePickleString('Stopping server').toString('base64') });
    const r = spawnSync(PYTHON, [CASES_PY], { input, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    expect(r.status, r.stderr).toBe(0);
    py = JSON.parse(r.stdout) as PythonOut;
  });

  const decoded = (b64: string) => {
    const f = decodePickle(Buffer.from(b64, 'base64'));
    return { dtype: f.dtype, shape: f.shape, data: Buffer.from(f.data).toString('base64') };
  };

  test('arrays pickled at protocols 2 to 5 (numpy 1 and numpy 2 module names) read as arr.tobytes() in C order, little-endian', () => {
    expect(py.arrays.length).toBeGreaterThanOrEqual(17 * 4);
    for (const a of py.arrays)
      expect(decoded(a.pickle), a.name).toEqual({ dtype: a.dtype, shape: a.shape, data: a.data });
    expect(py.arrays.filter((a) => a.name.includes('numpy 2 names')).length).toBeGreaterThan(40);
  });

  test("pyzmq's own send_pyobj bytes (its DEFAULT_PROTOCOL) read as the frame, the payload a view into the message", () => {
    expect(py.pyzmq.protocol).toBeGreaterThanOrEqual(4);
    const msg = Buffer.from(py.pyzmq.pickle, 'base64');
    expect(isPickle(msg)).toBe(true);
    const f = decodePickle(msg);
    expect({ dtype: f.dtype, shape: f.shape }).toEqual({ dtype: 'uint8', shape: [480, 640, 3] });
    expect(Buffer.from(f.data).toString('base64') === py.pyzmq.data).toBe(true);
    expect(f.data.buffer).toBe(msg.buffer);
  });

  test.each([
    ['dict', 'PICKLE_NOT_ARRAY', 'dict'],
    ['str', 'PICKLE_NOT_ARRAY', 'str'],
    ['list', 'PICKLE_NOT_ARRAY', 'list'],
    ['set', 'PICKLE_NOT_ARRAY', 'set'],
    ['set, protocol 2', 'PICKLE_NOT_ARRAY', 'builtins.set'],
    ['tuple of arrays', 'PICKLE_NOT_ARRAY', 'tuple'],
    ['float', 'PICKLE_NOT_ARRAY', 'float'],
    ['numpy scalar', 'PICKLE_NOT_ARRAY', 'numpy scalar'],
    ['int64 array', 'PICKLE_DTYPE', 'int64'],
    ['int64 array, protocol 5', 'PICKLE_DTYPE', 'int64'],
    ['bool array', 'PICKLE_DTYPE', 'bool'],
    ['object array', 'PICKLE_DTYPE', 'object'],
    ['structured array', 'PICKLE_DTYPE', 'structured'],
    ['0-d array', 'BAD_SHAPE', '0-d'],
    ['out-of-band buffer', 'BAD_PICKLE', 'NEXT_BUFFER'],
    ['size mismatch', 'BAD_PICKLE', '5 bytes'],
  ] as const)('a pickle of %s is refused: %s naming %s', (name, code, what) => {
    const e = refusal(Buffer.from(py.refusals[name], 'base64'));
    expect(e.code).toBe(code);
    expect(e.message).toContain(what);
  });

  test("recv_pyobj loads encodePickle's bytes as equal numpy arrays of the dtype and shape, without a warning", () => {
    expect(py.ours.map((o) => o.name)).toEqual(OURS.map((f) => f.name));
    py.ours.forEach((o, i) => {
      const f = OURS[i];
      expect(o, f.name).toEqual({
        name: f.name,
        type: 'ndarray',
        equal: true,
        dtype: f.dtype,
        shape: f.shape,
        data: Buffer.from(f.data).toString('base64'),
      });
    });
  });

  test("recv_pyobj loads encodePickleString('Stopping server') as that str", () => {
    expect(py.string).toBe("'Stopping server'");
  });
});

describe('limits against hostile arrays', () => {
  test('an array claiming more dimensions than numpy allows is refused (BAD_SHAPE) before any reordering: 9000 of them would cost ~10^10 steps in Fortran order', () => {
    const shape = [2, 2, ...Array(9000).fill(1)];
    const bytes = encodePickle({ dtype: 'uint8', shape, data: new Uint8Array(4) });
    expect(() => decodePickle(bytes)).toThrow(
      expect.objectContaining({ code: 'BAD_SHAPE', message: expect.stringContaining('9002 dimensions') }),
    );
  });
});
