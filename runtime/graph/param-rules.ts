/**
 * Param rules: defaults, equality, and what makes a value acceptable. Pure (no registry, no
 * Node APIs): the editor's inspector imports the same checks `validate` runs.
 */
import type { NodeDecl, ParamDecl, ParamValues } from '../../nodes/types.ts';
import { parseEndpoint } from './endpoint.ts';
import type { GraphErrorCode } from './types.ts';

/** Sets an own property even when the key is "__proto__", which plain assignment would not. */
export function setOwn<T>(obj: Record<string, T>, key: string, value: T): void {
  // Plain assignment is several times faster and, for every other key, the same: Object.prototype has no other setter.
  if (key === '__proto__')
    Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

/** The declaration of `name` in `params`, never an inherited Object property such as "constructor". */
export function ownDecl(params: Readonly<Record<string, ParamDecl>>, name: string): ParamDecl | undefined {
  return Object.hasOwn(params, name) ? params[name] : undefined;
}

/** A node type's params with its defaults applied; params the document gives win. Without a declaration they pass through. */
export function withDefaults(decl: NodeDecl | undefined, params: Record<string, unknown>): ParamValues {
  const out: ParamValues = {};
  if (decl) {
    for (const [name, p] of Object.entries(decl.params)) {
      if (p.default !== undefined) setOwn(out, name, p.default as ParamValues[string]);
      // An optional endpoint without a default is empty, which the compiler turns into inproc://<id>.
      else if (!p.required && (p.kind === 'endpoint' || p.kind === 'string'))
        setOwn<ParamValues[string]>(out, name, '');
    }
  }
  // -0 is 0 to every node; keeping the sign would make a saved-then-loaded graph differ.
  for (const [name, value] of Object.entries(params ?? {}))
    setOwn(out, name, (Object.is(value, -0) ? 0 : value) as ParamValues[string]);
  return out;
}

/** The value a param takes when the document leaves it out, for saving only what differs. */
export function isDefault(decl: ParamDecl, value: unknown): boolean {
  // An optional text param without a default means "empty" (an endpoint then becomes inproc://<id>).
  if (decl.default === undefined)
    return !decl.required && value === '' && (decl.kind === 'endpoint' || decl.kind === 'string');
  return sameValue(decl.default, value);
}

/** Deep equality of the plain values params hold (scalars, lists of strings, maps: the same entries in the same order). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  if (isPlainMap(a) && isPlainMap(b)) return sameValue(Object.entries(a), Object.entries(b));
  return Object.is(a, b) || (a === 0 && b === 0);
}

function isPlainMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

/** How a received value reads in a message: strings quoted, lists and maps named. */
export function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (value instanceof Uint8Array) return 'binary data';
  if (value instanceof Map || typeof value === 'object') return 'a map';
  return typeof value;
}

export interface ParamProblem {
  code: GraphErrorCode;
  expected: string;
}

const patterns = new Map<string, RegExp>();
function wholeMatch(pattern: string, value: string): boolean {
  let re = patterns.get(pattern);
  if (!re) patterns.set(pattern, (re = new RegExp(`^(?:${pattern})$`)));
  return re.test(value);
}

/** What is wrong with one param value, or undefined when it is acceptable. */
export function checkParam(decl: ParamDecl, value: unknown): ParamProblem | undefined {
  switch (decl.kind) {
    case 'number': {
      if (typeof value !== 'number' || !Number.isFinite(value)) return { code: 'BAD_PARAM_TYPE', expected: 'a number' };
      if (decl.integer && !Number.isInteger(value)) return { code: 'BAD_PARAM_TYPE', expected: 'a whole number' };
      if ((decl.min !== undefined && value < decl.min) || (decl.max !== undefined && value > decl.max)) {
        return { code: 'PARAM_OUT_OF_RANGE', expected: range(decl.min, decl.max, decl.unit) };
      }
      return undefined;
    }
    case 'string':
      if (typeof value !== 'string') return { code: 'BAD_PARAM_TYPE', expected: 'a string' };
      // A required text (a file name) left empty is as missing as one not given.
      if (value.trim() === '' && decl.required)
        return { code: 'MISSING_PARAM', expected: 'filled in (it is required)' };
      if (decl.pattern !== undefined && !wholeMatch(decl.pattern, value)) {
        return { code: 'PARAM_OUT_OF_RANGE', expected: `a string matching ${decl.pattern}` };
      }
      return undefined;
    case 'enum':
      if (typeof value !== 'string') return { code: 'BAD_PARAM_TYPE', expected: `one of ${decl.choices.join(', ')}` };
      if (!decl.choices.includes(value))
        return { code: 'PARAM_OUT_OF_RANGE', expected: `one of ${decl.choices.join(', ')}` };
      return undefined;
    case 'boolean':
      return typeof value === 'boolean' ? undefined : { code: 'BAD_PARAM_TYPE', expected: 'true or false' };
    case 'endpoint':
      if (typeof value !== 'string') return { code: 'BAD_PARAM_TYPE', expected: 'an endpoint string' };
      if (value === '') return decl.required ? { code: 'MISSING_PARAM', expected: 'an endpoint' } : undefined;
      return parseEndpoint(value)
        ? undefined
        : { code: 'BAD_ENDPOINT', expected: 'tcp://host:port, ipc://path or inproc://name' };
    case 'string[]':
      if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
        return { code: 'BAD_PARAM_TYPE', expected: 'a list of strings, like [camera_frame]' };
      }
      return undefined;
    case 'map': {
      const expected = 'a map of names to numbers, texts or true/false, like {ExposureAuto: Off, Gain: 6}';
      if (!isPlainMap(value)) return { code: 'BAD_PARAM_TYPE', expected };
      for (const [k, v] of Object.entries(value)) {
        if (!['number', 'string', 'boolean'].includes(typeof v) || (typeof v === 'number' && !Number.isFinite(v)))
          return { code: 'BAD_PARAM_TYPE', expected: `${expected} (${k} is ${describe(v)})` };
        if (decl.keyPattern !== undefined && !wholeMatch(decl.keyPattern, k))
          return {
            code: 'PARAM_OUT_OF_RANGE',
            expected: `names matching ${decl.keyPattern} (${JSON.stringify(k)} is not)`,
          };
      }
      return undefined;
    }
  }
}

/** A number param's limits as validate's messages word them ("1 to 64 workers"); "" when it has none. The inspector shows the same words. */
export function limitsText(decl: ParamDecl): string {
  if (decl.kind !== 'number') return '';
  if (decl.min === undefined && (decl.max === undefined || decl.max === Number.MAX_SAFE_INTEGER)) return '';
  return range(decl.min, decl.max, decl.unit);
}

function range(min: number | undefined, max: number | undefined, unit: string | undefined): string {
  const u = unit ? ` ${unit}` : '';
  // Counts capped only by what a double holds read better as "at least 0".
  if (max === Number.MAX_SAFE_INTEGER) max = undefined;
  if (min !== undefined && max !== undefined) return `${min} to ${max}${u}`;
  if (min !== undefined) return `at least ${min}${u}`;
  return `at most ${max}${u}`;
}
