/**
 * Reads a numpy array pickled by Python (pyzmq's `send_pyobj`) without running anything the
 * message names: an interpreter of the opcodes numpy arrays are made of, whose globals are a
 * whitelist and whose REDUCE and BUILD are emulated here for those few callables. Anything else
 * is named (the type of a pickled dict, the global a hostile pickle calls) and refused.
 */
import { WireError, type Frame } from './index.ts';
import { GLOBALS, OP, OP_NAMES } from './pickle-ops.ts';
import { bad, isKind, printable, shapeOf, toFrame, typeName, type PyGlobal, type Value } from './pickle-values.ts';

/** Values on the stack and in the memo, pushed ten thousand at most: far above what a numpy array pickle (about 20) uses. */
const STACK_LIMIT = 10_000;
const MEMO_LIMIT = 10_000;

const utf8 = new TextDecoder();

/** True when the message is a pickle of protocol 2 to 5 (patchbay's own headers are JSON and start with `{`). */
export function isPickle(bytes: Uint8Array): boolean {
  return bytes.byteLength >= 2 && bytes[0] === OP.PROTO && bytes[1] >= 2 && bytes[1] <= 5;
}

/**
 * The numpy array a pickle holds, as a frame's dtype, shape and C-order little-endian data (a view
 * into `bytes` when the pickle's bytes already are that). Throws WireError: PICKLE_NOT_ARRAY,
 * PICKLE_DTYPE, BAD_SHAPE (a 0-d array) or BAD_PICKLE.
 */
export function decodePickle(bytes: Uint8Array): Pick<Frame, 'dtype' | 'shape' | 'data'> {
  const top = new Interpreter(bytes).run();
  if (isKind(top, 'array')) {
    if (!top.state) throw bad('the pickle makes an ndarray but never gives it its state (BUILD)');
    return toFrame(top.state);
  }
  throw new WireError('PICKLE_NOT_ARRAY', `a pickle of ${typeName(top)}; only numpy arrays are understood`);
}

class Interpreter {
  private pos = 0;
  private proto = 0;
  private readonly stack: Value[] = [];
  private readonly marks: number[] = [];
  private readonly memo = new Map<number, Value>();

  constructor(private readonly buf: Uint8Array) {}

  run(): Value {
    if (!isPickle(this.buf))
      throw bad(
        `not a pickle of protocol 2 to 5: it starts with bytes ${Buffer.from(this.buf.subarray(0, 2)).toString('hex') || '(none)'}`,
      );
    for (;;) {
      const at = this.pos;
      const op = this.u8();
      switch (op) {
        case OP.PROTO:
          this.proto = this.u8();
          if (this.proto < 2 || this.proto > 5)
            throw bad(`pickle protocol ${this.proto} at byte ${at}; 2 to 5 are read`);
          break;
        case OP.FRAME: {
          // Only a hint for buffered readers: the whole message is here. A frame longer than it is a truncation.
          const n = this.uint(8);
          if (n > this.buf.byteLength - this.pos)
            throw bad(
              `the pickle is truncated: FRAME at byte ${at} announces ${n} bytes, ${this.buf.byteLength - this.pos} follow`,
            );
          break;
        }
        case OP.GLOBAL:
          this.push(this.global(this.line(), this.line(), at));
          break;
        case OP.STACK_GLOBAL: {
          const name = this.pop();
          const module = this.pop();
          if (typeof module !== 'string' || typeof name !== 'string')
            throw bad(`STACK_GLOBAL at byte ${at} takes two str`);
          this.push(this.global(module, name, at));
          break;
        }
        case OP.SHORT_BINUNICODE:
          this.push(utf8.decode(this.take(this.u8())));
          break;
        case OP.BINUNICODE:
          this.push(utf8.decode(this.take(this.uint(4))));
          break;
        case OP.BINUNICODE8:
          this.push(utf8.decode(this.take(this.uint(8))));
          break;
        case OP.SHORT_BINBYTES:
          this.push({ kind: 'bytes', type: 'bytes', data: this.take(this.u8()) });
          break;
        case OP.BINBYTES:
          this.push({ kind: 'bytes', type: 'bytes', data: this.take(this.uint(4)) });
          break;
        case OP.BINBYTES8:
          this.push({ kind: 'bytes', type: 'bytes', data: this.take(this.uint(8)) });
          break;
        case OP.BYTEARRAY8:
          this.push({ kind: 'bytes', type: 'bytearray', data: this.take(this.uint(8)) });
          break;
        case OP.NEXT_BUFFER:
        case OP.READONLY_BUFFER:
          throw bad(
            `out-of-band buffer (${OP_NAMES.get(op)}) at byte ${at}: pickled with a buffer_callback, the data is not in the message`,
          );
        case OP.BININT:
          this.push(this.uint(4) | 0);
          break;
        case OP.BININT1:
          this.push(this.u8());
          break;
        case OP.BININT2:
          this.push(this.uint(2));
          break;
        case OP.LONG1:
          this.push(this.long(this.take(this.u8())));
          break;
        case OP.BINFLOAT:
          this.take(8);
          this.push({ kind: 'other', type: 'float' });
          break;
        case OP.NONE:
          this.push(null);
          break;
        case OP.NEWTRUE:
          this.push(true);
          break;
        case OP.NEWFALSE:
          this.push(false);
          break;
        case OP.MARK:
          if (this.marks.length >= STACK_LIMIT) throw bad(`more than ${STACK_LIMIT} MARKs open at byte ${at}`);
          this.marks.push(this.stack.length);
          break;
        case OP.EMPTY_TUPLE:
          this.push([]);
          break;
        case OP.TUPLE:
          this.push(this.popMark(at));
          break;
        case OP.TUPLE1:
        case OP.TUPLE2:
        case OP.TUPLE3: {
          const n = op - OP.TUPLE1 + 1;
          if (this.stack.length - n < (this.marks.at(-1) ?? 0))
            throw bad(`${OP_NAMES.get(op)} at byte ${at} needs ${n} values on the stack`);
          this.push(this.stack.splice(this.stack.length - n, n));
          break;
        }
        case OP.BINPUT:
          this.put(this.u8(), at);
          break;
        case OP.LONG_BINPUT:
          this.put(this.uint(4), at);
          break;
        case OP.MEMOIZE:
          this.put(this.memo.size, at);
          break;
        case OP.BINGET:
          this.push(this.get(this.u8(), at));
          break;
        case OP.LONG_BINGET:
          this.push(this.get(this.uint(4), at));
          break;
        case OP.REDUCE: {
          const args = this.pop();
          this.push(this.call(this.pop(), args, at));
          break;
        }
        case OP.BUILD: {
          const state = this.pop();
          this.build(this.peek(), state, at);
          break;
        }
        case OP.EMPTY_LIST:
          this.push({ kind: 'other', type: 'list' });
          break;
        case OP.EMPTY_DICT:
          this.push({ kind: 'other', type: 'dict' });
          break;
        case OP.EMPTY_SET:
          this.push({ kind: 'other', type: 'set' });
          break;
        case OP.LIST:
          this.popMark(at);
          this.push({ kind: 'other', type: 'list' });
          break;
        case OP.DICT:
          this.popMark(at);
          this.push({ kind: 'other', type: 'dict' });
          break;
        case OP.FROZENSET:
          this.popMark(at);
          this.push({ kind: 'other', type: 'frozenset' });
          break;
        // Items go into a list, dict or set the interpreter keeps only as a type name.
        case OP.APPEND:
          this.pop();
          this.container(at, op);
          break;
        case OP.SETITEM:
          this.pop();
          this.pop();
          this.container(at, op);
          break;
        case OP.APPENDS:
        case OP.SETITEMS:
        case OP.ADDITEMS:
          this.popMark(at);
          this.container(at, op);
          break;
        case OP.POP:
          this.pop();
          break;
        case OP.POP_MARK:
          this.popMark(at);
          break;
        case OP.STOP:
          if (this.stack.length !== 1 || this.marks.length > 0)
            throw bad(
              `STOP at byte ${at} leaves ${this.stack.length} values and ${this.marks.length} marks; a pickle leaves one value`,
            );
          if (this.pos !== this.buf.byteLength)
            throw bad(`${this.buf.byteLength - this.pos} bytes follow the STOP opcode at byte ${at}`);
          return this.stack[0];
        default: {
          const name = OP_NAMES.get(op);
          throw bad(
            `opcode 0x${op.toString(16).padStart(2, '0')}${name ? ` (${name})` : ''} at byte ${at} is not one a numpy array pickle uses`,
          );
        }
      }
    }
  }

  private take(n: number): Uint8Array {
    if (n > this.buf.byteLength - this.pos)
      throw bad(
        `the pickle is truncated: ${n} bytes wanted at byte ${this.pos}, ${this.buf.byteLength - this.pos} left`,
      );
    this.pos += n;
    return this.buf.subarray(this.pos - n, this.pos);
  }

  private u8(): number {
    if (this.pos >= this.buf.byteLength)
      throw bad(`the pickle is truncated: it ends at byte ${this.pos} before its STOP opcode`);
    return this.buf[this.pos++];
  }

  /** An unsigned little-endian integer of n bytes (2, 4 or 8); past 2^53 it is only compared with sizes, never used exactly. */
  private uint(n: number): number {
    const b = this.take(n);
    let v = 0;
    for (let i = n - 1; i >= 0; i--) v = v * 256 + b[i];
    return v;
  }

  /** LONG1: a little-endian two's complement integer. */
  private long(b: Uint8Array): number | bigint {
    let v = 0n;
    for (let i = b.byteLength - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
    if (b.byteLength > 0 && b[b.byteLength - 1] & 0x80) v -= 1n << BigInt(8 * b.byteLength);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  }

  /** GLOBAL's text argument: up to the next newline. */
  private line(): string {
    const end = this.buf.indexOf(0x0a, this.pos);
    if (end < 0) throw bad(`the pickle is truncated: GLOBAL at byte ${this.pos} has no end of line`);
    const s = utf8.decode(this.buf.subarray(this.pos, end));
    this.pos = end + 1;
    return s;
  }

  private push(v: Value): void {
    if (this.stack.length >= STACK_LIMIT) throw bad(`more than ${STACK_LIMIT} values on the stack at byte ${this.pos}`);
    this.stack.push(v);
  }

  private pop(): Value {
    const v = this.peek();
    this.stack.pop();
    return v;
  }

  private peek(): Value {
    if (this.stack.length <= (this.marks.at(-1) ?? 0)) throw bad(`the stack is empty at byte ${this.pos - 1}`);
    return this.stack[this.stack.length - 1];
  }

  private popMark(at: number): Value[] {
    const mark = this.marks.pop();
    if (mark === undefined) throw bad(`opcode at byte ${at} needs a MARK and none is open`);
    return this.stack.splice(mark);
  }

  private put(index: number, at: number): void {
    if (!this.memo.has(index) && this.memo.size >= MEMO_LIMIT)
      throw bad(`the memo holds more than ${MEMO_LIMIT} values at byte ${at}`);
    this.memo.set(index, this.peek());
  }

  private get(index: number, at: number): Value {
    if (!this.memo.has(index)) throw bad(`memo entry ${index} read at byte ${at} was never stored`);
    return this.memo.get(index) as Value;
  }

  private container(at: number, op: number): void {
    if (!isKind(this.peek(), 'other'))
      throw bad(`${OP_NAMES.get(op)} at byte ${at} adds to a ${typeName(this.peek())}`);
  }

  private global(module: string, name: string, at: number): PyGlobal {
    // Python 3 reads protocol 2 pickles with fix_imports: Python 2's __builtin__ is builtins.
    const dotted = `${module === '__builtin__' && this.proto < 3 ? 'builtins' : module}.${name}`;
    const role = GLOBALS.get(dotted);
    if (role === undefined) throw bad(`pickle calls ${printable(dotted)} (byte ${at}), which patchbay never runs`);
    return { kind: 'global', name: dotted, role };
  }

  /** REDUCE, emulated for the whitelisted callables and only with the arguments numpy gives them. */
  private call(f: Value, args: Value, at: number): Value {
    if (!isKind(f, 'global')) throw bad(`REDUCE at byte ${at} calls a ${typeName(f)}`);
    if (!Array.isArray(args)) throw bad(`REDUCE at byte ${at} calls ${f.name} with a ${typeName(args)}, not a tuple`);
    const wrong = () =>
      bad(`REDUCE at byte ${at} calls ${f.name} with (${args.map(typeName).join(', ')}), which numpy never does`);
    const [a0, a1, a2, a3] = args as Value[];
    switch (f.role) {
      case 'reconstruct':
        if (args.length !== 3 || !isKind(a0, 'global') || a0.role !== 'ndarray') throw wrong();
        return { kind: 'array' };
      case 'dtype':
        if (args.length !== 3 || typeof a0 !== 'string') throw wrong();
        return { kind: 'dtype', code: a0, order: '=', structured: false };
      case 'frombuffer': {
        if (args.length !== 4 || !isKind(a0, 'bytes') || !isKind(a1, 'dtype') || (a3 !== 'C' && a3 !== 'F'))
          throw wrong();
        return {
          kind: 'array',
          state: { shape: shapeOf(a2, `_frombuffer's shape`), dtype: a1, fortran: a3 === 'F', data: a0.data },
        };
      }
      case 'encode':
        if (args.length !== 2 || typeof a0 !== 'string' || (a1 !== 'latin1' && a1 !== 'latin-1')) throw wrong();
        if (/[^\x00-\xff]/.test(a0)) throw bad(`_codecs.encode at byte ${at} is given text that is not latin1`);
        return { kind: 'bytes', type: 'bytes', data: Buffer.from(a0, 'latin1') };
      case 'bytes':
        if (args.length !== 0) throw wrong();
        return { kind: 'bytes', type: 'bytes', data: new Uint8Array(0) };
      case 'named':
        return { kind: 'other', type: f.name.endsWith('.scalar') ? `a numpy scalar (${f.name})` : f.name };
      case 'ndarray':
        throw wrong();
    }
  }

  /** BUILD, emulated for ndarray.__setstate__ and dtype.__setstate__. */
  private build(target: Value, state: Value, at: number): void {
    const wrong = (what: string) =>
      bad(
        `BUILD at byte ${at} gives ${what} the state (${Array.isArray(state) ? state.map(typeName).join(', ') : typeName(state)}), which numpy never does`,
      );
    if (isKind(target, 'other')) return;
    if (!Array.isArray(state)) throw wrong(typeName(target));
    if (isKind(target, 'dtype')) {
      // (version, byte order, subarray, names, fields, elsize, alignment, flags[, metadata]).
      const [version, order, subarray, names, fields] = state as Value[];
      if (
        !((version === 3 && state.length === 8) || (version === 4 && state.length === 9)) ||
        typeof order !== 'string' ||
        !'<>|='.includes(order) ||
        order.length !== 1
      )
        throw wrong('a dtype');
      target.order = order;
      target.structured = subarray !== null || names !== null || fields !== null;
      return;
    }
    if (!isKind(target, 'array') || target.state) throw wrong(typeName(target));
    // (version, shape, dtype, is_fortran, rawdata), or the same without version from older numpy.
    const [shape, dtype, fortran, raw] = (state.length === 5 && state[0] === 1 ? state.slice(1) : state) as Value[];
    if (state.length < 4 || state.length > 5 || !isKind(dtype, 'dtype') || typeof fortran !== 'boolean')
      throw wrong('an ndarray');
    // An object array's raw data is a list of objects: it is refused by its dtype, later.
    if (!isKind(raw, 'bytes') && !dtype.code.startsWith('O')) throw wrong('an ndarray');
    target.state = {
      shape: shapeOf(shape, `the ndarray's shape`),
      dtype,
      fortran,
      data: isKind(raw, 'bytes') ? raw.data : undefined,
    };
  }
}
