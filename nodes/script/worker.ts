/**
 * Piscina worker of the Script node: loads the user's module once, calls its default export
 * on the frame in the slab, and moves each result's buffer back (copied only when the result
 * still lies in the slab, which the next frame reuses).
 */
import { pathToFileURL } from 'node:url';
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { require as tsxRequire } from 'tsx/cjs/api';
import { itemSize, shapeSize, VIEW_OF, type DType } from '../../runtime/wire/index.ts';
import type { ScriptFrame, ScriptFunction } from './api.ts';

export interface ScriptTask {
  module: string;
  /** Load and check the module only. */
  check?: boolean;
  slab?: SharedArrayBuffer;
  offset?: number;
  bytes?: number;
  dtype?: DType;
  shape?: number[];
  seq?: number;
  t?: string;
  meta?: Record<string, unknown>;
}

export interface ScriptResult {
  frames: { dtype: DType; shape: number[]; buffer: ArrayBuffer }[];
  busyNs: number;
  bytesCopied: number;
}

let loaded: { module: string; fn: ScriptFunction } | undefined;

async function load(module: string): Promise<ScriptFunction> {
  if (loaded?.module === module) return loaded.fn;
  let mod: { default?: unknown };
  try {
    // TypeScript through tsx's own import (a loader given to the thread does not reach a dynamic import of a .ts here).
    mod = /\.[cm]?ts$/.test(module) ? await importTs(module) : await import(pathToFileURL(module).href);
  } catch (e) {
    throw new Error(`${module} could not be loaded: ${(e as Error).message.split('\n')[0]}`);
  }
  if (typeof mod.default !== 'function')
    throw new Error(`${module} has no default export function (export default (frame, header) => frame)`);
  loaded = { module, fn: mod.default as ScriptFunction };
  return loaded.fn;
}

/**
 * A TypeScript module, through tsx's CommonJS API: in a pool thread tsx runs this file as
 * CommonJS, and neither a dynamic import of a .ts nor tsx's ESM API reaches its loader there.
 */
async function importTs(module: string): Promise<{ default?: unknown }> {
  return tsxRequire(module, __filename) as { default?: unknown };
}

export default async function scriptTask(task: ScriptTask): Promise<ScriptResult> {
  const fn = await load(task.module);
  if (task.check) return { frames: [], busyNs: 0, bytesCopied: 0 };
  const t0 = process.hrtime.bigint();
  const dtype = task.dtype!;
  const View = VIEW_OF[dtype];
  const view = new View(task.slab!, task.offset!, task.bytes! / View.BYTES_PER_ELEMENT);
  const returned = fn(
    { data: view, shape: task.shape!, dtype },
    { seq: task.seq!, t: BigInt(task.t!), ...(task.meta ? { meta: task.meta } : {}) },
  );
  // A plain result is timed here: awaiting it would let the thread's next task run first and be
  // counted as this one's time. A promise is timed until it settles.
  const isPromise = returned instanceof Promise;
  let busyNs = isPromise ? 0 : Number(process.hrtime.bigint() - t0);
  const out = isPromise ? await returned : returned;
  if (isPromise) busyNs = Number(process.hrtime.bigint() - t0);
  const list = out === undefined ? [] : Array.isArray(out) ? out : [out];
  let bytesCopied = 0;
  const frames: ScriptResult['frames'] = [];
  const transfer: ArrayBuffer[] = [];
  for (const [i, f] of list.entries()) {
    check(f, i);
    const want = shapeSize(f.shape) * itemSize(f.dtype);
    let buffer: ArrayBuffer;
    if (
      f.data.buffer instanceof ArrayBuffer &&
      f.data.byteOffset === 0 &&
      f.data.byteLength === f.data.buffer.byteLength &&
      !transfer.includes(f.data.buffer)
    )
      buffer = f.data.buffer;
    else {
      // In the slab (the next frame reuses it), a part of a bigger buffer, or returned twice: a copy of its own.
      buffer = new Uint8Array(f.data.buffer, f.data.byteOffset, f.data.byteLength).slice().buffer;
      bytesCopied += want;
    }
    transfer.push(buffer);
    frames.push({ dtype: f.dtype, shape: [...f.shape], buffer });
  }
  const result: ScriptResult = { frames, busyNs, bytesCopied };
  return move({ [transferableSymbol]: transfer, [valueSymbol]: result }) as unknown as ScriptResult;
}

/** A returned frame must say what it is, and its bytes must be what its shape and dtype say. */
function check(f: ScriptFrame, i: number): void {
  const which = `result ${i}`;
  if (!f || typeof f !== 'object' || !ArrayBuffer.isView(f.data))
    throw new Error(`${which} is not a frame: return { data: <typed array>, shape, dtype }`);
  if (!Array.isArray(f.shape) || f.shape.length === 0 || !f.shape.every((d) => Number.isSafeInteger(d) && d >= 0))
    throw new Error(`${which}: shape must be a non-empty list of non-negative integers`);
  if (!(f.dtype in VIEW_OF))
    throw new Error(`${which}: dtype ${JSON.stringify(f.dtype)} is not one of ${Object.keys(VIEW_OF).join(', ')}`);
  const want = shapeSize(f.shape) * itemSize(f.dtype);
  if (f.data.byteLength !== want)
    throw new Error(
      `${which}: data has ${f.data.byteLength} bytes, shape ${JSON.stringify(f.shape)} of ${f.dtype} needs ${want}`,
    );
}
