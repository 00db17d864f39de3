/**
 * Notes on the canvas (`notes:`): free text the editor shows in boxes beside the nodes, read
 * from the document. Like `layout:` they never affect a run, so what is wrong with one is a
 * warning, never an error. serialize.ts writes them back.
 */
import { isMap, isScalar, type Node as YamlNode, type Pair } from 'yaml';
import type { GraphErrorCode, GraphNote } from './types.ts';
import { describe, setOwn } from './param-rules.ts';
import { didYouMean } from './suggest.ts';

const NOTE_KEYS = ['text', 'at'];

export type NoteWarn = (code: GraphErrorCode, message: string, at: YamlNode | null | undefined) => void;
export type NoteToJS = (node: YamlNode | null | undefined, what: string) => { ok: boolean; value?: unknown };

/** UNKNOWN_KEY for a key of an annotation (`what`: "note lock-step") that is none of `keys`, with the closest. */
export function warnUnknownKey(
  warn: NoteWarn,
  what: string,
  k: string | undefined,
  keys: string[],
  at: YamlNode,
): void {
  const a = what.split(' ')[0];
  warn(
    'UNKNOWN_KEY',
    `${what}: unknown key ${k ?? '?'}${k ? didYouMean(k, keys) : ''}: a ${a} has ${keys.join(', ')}`,
    at,
  );
}

/** Whether `xy` is a position, [x, y] finite numbers (a layout entry's and a note's `at`). */
export function isPosition(xy: unknown): xy is [number, number] {
  return Array.isArray(xy) && xy.length === 2 && xy.every((n) => typeof n === 'number' && Number.isFinite(n));
}

/** The notes of a `notes:` value; a note that cannot be read is left out with a warning. */
export function readNotes(value: YamlNode | null, toJS: NoteToJS, warn: NoteWarn): Record<string, GraphNote> {
  const notes: Record<string, GraphNote> = {};
  if (value === null) return notes;
  if (!isMap(value)) {
    warn('BAD_DOCUMENT', 'notes must be a map from note id to {text, at: [x, y]}', value);
    return notes;
  }
  for (const pair of value.items as Pair<unknown, unknown>[]) {
    const key = pair.key;
    const id = isScalar(key) && ['string', 'number'].includes(typeof key.value) ? String(key.value) : undefined;
    const body = pair.value as YamlNode | null;
    if (id === undefined || !isMap(body)) {
      warn('BAD_DOCUMENT', `note ${id ?? ''}: expected {text, at: [x, y]}`, body ?? (key as YamlNode));
      continue;
    }
    const note: Partial<GraphNote> = {};
    for (const kp of body.items as Pair<unknown, unknown>[]) {
      const k = isScalar(kp.key) ? String(kp.key.value) : undefined;
      const v = kp.value as YamlNode | null;
      const read = toJS(v, `note ${id}: ${k ?? 'a key'}`);
      if (!read.ok) continue;
      if (k === 'text' && typeof read.value === 'string') note.text = read.value;
      else if (k === 'at' && isPosition(read.value)) note.at = [read.value[0], read.value[1]];
      else if (k === 'text' || k === 'at')
        warn(
          'BAD_DOCUMENT',
          `note ${id}: ${k} must be ${k === 'text' ? 'text' : '[x, y] numbers'}, received ${describe(read.value)}`,
          v ?? (kp.key as YamlNode),
        );
      else warnUnknownKey(warn, `note ${id}`, k, NOTE_KEYS, kp.key as YamlNode);
    }
    if (note.text === undefined) {
      if (!body.has('text')) warn('BAD_DOCUMENT', `note ${id} has no text`, key as YamlNode);
      continue;
    }
    setOwn(notes, id, note as GraphNote);
  }
  return notes;
}
