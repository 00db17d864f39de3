/**
 * Groups on the canvas (`groups:`): a titled frame the editor draws around some nodes, read from
 * the document. Like notes and `layout:` they never affect a run: what is wrong with one is a
 * warning, never an error. serialize.ts writes them back.
 */
import { isMap, isScalar, isSeq, type Node as YamlNode, type Pair } from 'yaml';
import type { GraphGroup } from './types.ts';
import { describe, setOwn } from './param-rules.ts';
import { warnUnknownKey, type NoteToJS, type NoteWarn } from './notes.ts';

const GROUP_KEYS = ['title', 'nodes'];

/** The groups of a `groups:` value, and where each member is named (to warn of ids the graph lacks). */
export function readGroups(
  value: YamlNode | null,
  toJS: NoteToJS,
  warn: NoteWarn,
): { groups: Record<string, GraphGroup>; members: { group: string; node: string; at: YamlNode }[] } {
  const groups: Record<string, GraphGroup> = {};
  const members: { group: string; node: string; at: YamlNode }[] = [];
  if (value === null) return { groups, members };
  if (!isMap(value)) {
    warn('BAD_DOCUMENT', 'groups must be a map from group id to {title, nodes: [node ids]}', value);
    return { groups, members };
  }
  for (const pair of value.items as Pair<unknown, unknown>[]) {
    const key = pair.key;
    const id = isScalar(key) && ['string', 'number'].includes(typeof key.value) ? String(key.value) : undefined;
    const body = pair.value as YamlNode | null;
    const list = isMap(body) ? (body.get('nodes', true) as YamlNode | undefined) : undefined;
    if (id === undefined || !isMap(body) || !isSeq(list)) {
      warn('BAD_DOCUMENT', `group ${id ?? ''}: expected {title, nodes: [node ids]}`, body ?? (key as YamlNode));
      continue;
    }
    const group: GraphGroup = { nodes: [] };
    for (const item of list.items as YamlNode[]) {
      if (isScalar(item) && typeof item.value === 'string') {
        group.nodes.push(item.value);
        members.push({ group: id, node: item.value, at: item });
      } else
        warn(
          'BAD_DOCUMENT',
          `group ${id}: a member must be a node id, received ${describe(toJS(item, 'a member').value)}`,
          item,
        );
    }
    for (const kp of body.items as Pair<unknown, unknown>[]) {
      const k = isScalar(kp.key) ? String(kp.key.value) : undefined;
      if (k === 'nodes') continue;
      const v = kp.value as YamlNode | null;
      const read = toJS(v, `group ${id}: ${k ?? 'a key'}`);
      if (k === 'title' && read.ok && typeof read.value === 'string') group.title = read.value;
      else if (k === 'title')
        warn(
          'BAD_DOCUMENT',
          `group ${id}: title must be text, received ${describe(read.value)}`,
          v ?? (kp.key as YamlNode),
        );
      else warnUnknownKey(warn, `group ${id}`, k, GROUP_KEYS, kp.key as YamlNode);
    }
    setOwn(groups, id, group);
  }
  return { groups, members };
}
