import { spawnSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { decode, encode, typedView, type Frame } from '../../runtime/wire/index.ts';
import { PYTHON, missing, pythonHas } from '../helpers/env.ts';

describe('wire format edge cases', () => {
  test('a "t" inside meta that comes first does not replace the frame time', () => {
    const h = Buffer.from(
      '{"meta":{"t":5},"v":1,"kind":"frame","seq":1,"t":1732380000123456789,"dtype":"uint8","shape":[1]}',
    );
    const { msg } = decode([h, new Uint8Array([1])]);
    expect((msg as Frame).t).toBe(1732380000123456789n);
  });

  test('t written by Python as a float (time.time() * 1e9) is read, rounded', () => {
    const h = Buffer.from('{"v":1,"kind":"frame","seq":1,"t":1.7323800001234568e+18,"dtype":"uint8","shape":[1]}');
    const { msg } = decode([h, new Uint8Array([1])]);
    expect((msg as Frame).t).toBe(BigInt(1.7323800001234568e18));
  });
});

const skip = missing('python3 with numpy', () => pythonHas('numpy', 'json'));

describe.skipIf(skip)('wire format against numpy', () => {
  test("every dtype: numpy reads our bytes and header, and we read numpy's", () => {
    const script = `
import json, sys, numpy as np
out = []
for line in sys.stdin:
    hdr_hex, payload_hex = line.split()
    hdr = json.loads(bytes.fromhex(hdr_hex))
    a = np.frombuffer(bytes.fromhex(payload_hex), dtype=hdr["dtype"]).reshape(hdr["shape"])
    b = (a * 2).astype(hdr["dtype"])
    out.append({"dtype": hdr["dtype"], "values": [str(x) for x in a.ravel()], "double": b.tobytes().hex(), "t": hdr["t"]})
print(json.dumps(out))
`;
    const cases: [Frame['dtype'], ArrayLike<number>][] = [
      ['uint8', new Uint8Array([1, 2, 255, 0, 7, 9])],
      ['uint16', new Uint16Array([1, 2, 65535, 0, 7, 9])],
      ['int16', new Int16Array([-1, 2, -32768, 0, 7, 9])],
      ['int32', new Int32Array([-1, 2, 2 ** 31 - 1, 0, 7, 9])],
      ['float32', new Float32Array([0.5, -2, 3.25, 0, 7, 9])],
      ['float64', new Float64Array([0.5, -2, 1e300, 0, 7, 9])],
      ['complex64', new Float32Array([0.5, -2, 3.25, 0, 7, 9, 1, 2, 3, 4, 5, 6])],
      ['complex128', new Float64Array([0.5, -2, 3.25, 0, 7, 9, 1, 2, 3, 4, 5, 6])],
    ];
    const lines = cases.map(([dtype, arr]) => {
      const ta = arr as unknown as { buffer: ArrayBuffer; byteOffset: number; byteLength: number };
      const data = new Uint8Array(ta.buffer, ta.byteOffset, ta.byteLength);
      const [header, payload] = encode({ kind: 'frame', seq: 3, t: 1732380000123456789n, dtype, shape: [2, 3], data });
      return `${Buffer.from(header as string).toString('hex')} ${Buffer.from(payload as Uint8Array).toString('hex')}`;
    });
    const r = spawnSync(PYTHON, ['-c', script], { input: lines.join('\n') + '\n', encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { dtype: string; values: string[]; double: string; t: number }[];
    out.forEach((o, i) => {
      const [dtype, arr] = cases[i];
      expect(o.dtype).toBe(dtype);
      expect(o.values).toHaveLength(6);
      if (!dtype.startsWith('complex')) expect(o.values.map(Number)).toEqual(Array.from(arr).map(Number));
      // Python's bytes come back as a frame we decode: shape and dtype kept, values doubled.
      const back = decode([
        Buffer.from(
          encode({
            kind: 'frame',
            seq: 0,
            t: 0n,
            dtype,
            shape: [2, 3],
            data: Buffer.from(o.double, 'hex'),
          })[0] as string,
        ),
        Buffer.from(o.double, 'hex'),
      ]).msg as Frame;
      const v = typedView(back);
      if (dtype === 'uint8' || dtype === 'float32' || dtype === 'float64')
        expect(v[0]).toBe(Number(Array.from(arr)[0]) * 2);
    });
  });
});
