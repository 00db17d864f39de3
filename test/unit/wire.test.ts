import { describe, expect, test } from 'vitest';
import { decode, encode, encodeHeader, WireError, typedView, type Frame } from '../../runtime/wire/index.ts';

const frame = (): Frame => ({
  kind: 'frame',
  seq: 42,
  t: 1732380000123456789n,
  dtype: 'uint16',
  shape: [2, 3],
  meta: { exposureUs: 5000 },
  data: new Uint8Array(new Uint16Array([1, 2, 3, 4, 5, 65535]).buffer),
});

const bytes = (p: Buffer | Uint8Array | string) => (typeof p === 'string' ? Buffer.from(p) : p);

describe('wire format', () => {
  test('a frame round-trips with its nanosecond time exact', () => {
    const parts = encode(frame(), 'camera_frame').map(bytes);
    expect(parts).toHaveLength(3);
    const { topic, msg } = decode(parts, true);
    expect(topic).toBe('camera_frame');
    expect(msg.kind).toBe('frame');
    const f = msg as Frame;
    expect(f.t).toBe(1732380000123456789n);
    expect(f.seq).toBe(42);
    expect(Array.from(typedView(f))).toEqual([1, 2, 3, 4, 5, 65535]);
    expect(f.meta).toEqual({ exposureUs: 5000 });
  });

  test('typedView of a Buffer at an odd offset copies just its own bytes', () => {
    const pool = Buffer.alloc(64, 0xff);
    const data = pool.subarray(3, 9);
    for (let i = 0; i < 3; i++) data.writeUInt16LE(i + 1, 2 * i);
    // A Buffer's slice() is a view: its .buffer was all of `pool`, read from offset 0.
    expect(Array.from(typedView({ dtype: 'uint16', data }))).toEqual([1, 2, 3]);
  });

  test('the header is the documented JSON', () => {
    expect(JSON.parse(encodeHeader(frame()))).toMatchObject({
      v: 1,
      kind: 'frame',
      seq: 42,
      dtype: 'uint16',
      shape: [2, 3],
    });
    expect(encodeHeader({ kind: 'eos', seq: 7 })).toBe('{"v":1,"kind":"eos","seq":7}');
  });

  test('end of stream may name its sender (from): read back as sent; one that is not a short string is refused', () => {
    const parts = encode({ kind: 'eos', seq: 7, from: 'publish#0a1b2c' }).map(bytes);
    expect(Buffer.from(parts[0]).toString()).toBe('{"v":1,"kind":"eos","seq":7,"from":"publish#0a1b2c"}');
    expect(decode(parts).msg).toEqual({ kind: 'eos', seq: 7, from: 'publish#0a1b2c' });
    expect(decode([Buffer.from('{"v":1,"kind":"eos","seq":7}')]).msg).toEqual({ kind: 'eos', seq: 7 });
    for (const from of ['3', '""', JSON.stringify('x'.repeat(129))]) {
      const h = Buffer.from(`{"v":1,"kind":"eos","seq":7,"from":${from}}`);
      expect(() => decode([h]), from).toThrow(expect.objectContaining({ code: 'BAD_HEADER' }));
    }
  });

  test('t given as a string is read too', () => {
    const h = Buffer.from('{"v":1,"kind":"frame","seq":0,"t":"1732380000123456789","dtype":"uint8","shape":[1]}');
    const { msg } = decode([h, new Uint8Array([9])]);
    expect((msg as Frame).t).toBe(1732380000123456789n);
  });

  test.each([
    [[Buffer.from('nope')], 'BAD_JSON'],
    [[Buffer.from('{"v":1,"kind":"frame","seq":0,"t":0,"dtype":"uint9","shape":[1]}'), new Uint8Array(1)], 'BAD_DTYPE'],
    [
      [Buffer.from('{"v":1,"kind":"frame","seq":0,"t":0,"dtype":"uint8","shape":[2]}'), new Uint8Array(1)],
      'SIZE_MISMATCH',
    ],
    [[Buffer.from('{"v":1,"kind":"frame","seq":0,"t":0,"dtype":"uint8","shape":[1]}')], 'TOO_FEW_PARTS'],
    [
      [Buffer.from('{"v":1,"kind":"frame","seq":-1,"t":0,"dtype":"uint8","shape":[1]}'), new Uint8Array(1)],
      'BAD_HEADER',
    ],
    [[Buffer.from('{"v":1,"kind":"frame","seq":0,"t":0,"dtype":"uint8","shape":"x"}'), new Uint8Array(1)], 'BAD_SHAPE'],
    [[], 'TOO_FEW_PARTS'],
    [
      [Buffer.from('{"v":1,"kind":"frame","seq":0,"t":1e400,"dtype":"uint8","shape":[1]}'), new Uint8Array(1)],
      'BAD_TIME',
    ],
    [
      [Buffer.from('{"v":1,"kind":"frame","seq":0,"t":-1e400,"dtype":"uint8","shape":[1]}'), new Uint8Array(1)],
      'BAD_TIME',
    ],
    [
      [Buffer.from('{"v":1,"kind":"frame","seq":0,"t":1.5e300,"dtype":"uint8","shape":[1]}'), new Uint8Array(1)],
      'BAD_TIME',
    ],
    [
      [
        Buffer.from('{"v":1,"kind":"frame","seq":0,"t":"9223372036854775808","dtype":"uint8","shape":[1]}'),
        new Uint8Array(1),
      ],
      'BAD_TIME',
    ],
    [
      [
        Buffer.from(
          `{"v":1,"kind":"frame","seq":0,"t":0,"dtype":"uint8","shape":[1],"meta":{"a":"${'x'.repeat(70_000)}"}}`,
        ),
        new Uint8Array(1),
      ],
      'HEADER_TOO_LARGE',
    ],
    [
      [
        Buffer.from(
          `{"v":1,"kind":"frame","seq":0,"t":0,"dtype":"uint8","shape":[1],"meta":{"d":${'['.repeat(5000)}${']'.repeat(5000)}}}`,
        ),
        new Uint8Array(1),
      ],
      'META_TOO_DEEP',
    ],
  ] as const)('malformed message %# is a WireError %s', (parts, code) => {
    let err: unknown;
    try {
      decode(parts as unknown as Uint8Array[]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(WireError);
    expect((err as WireError).code).toBe(code);
  });

  test('t at the ends of int64 is read exactly; meta as deep as the limit passes', () => {
    const h = (t: string, meta = '{}') =>
      Buffer.from(`{"v":1,"kind":"frame","seq":0,"t":${t},"dtype":"uint8","shape":[1],"meta":${meta}}`);
    expect((decode([h('9223372036854775807'), new Uint8Array(1)]).msg as Frame).t).toBe(2n ** 63n - 1n);
    expect((decode([h('"-9223372036854775808"'), new Uint8Array(1)]).msg as Frame).t).toBe(-(2n ** 63n));
    // A "t" key inside a string or meta does not confuse the depth count or the digits.
    const deep = '['.repeat(31) + '"]}{\\\\"' + ']'.repeat(31);
    expect((decode([h('5', `{"t":${deep}}`), new Uint8Array(1)]).msg as Frame).t).toBe(5n);
  });
});
