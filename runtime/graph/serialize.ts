import { Document, isMap, isScalar, isSeq, Pair, visit, type Node as YamlNode, YAMLMap, YAMLSeq } from 'yaml';
import { getNodeType } from '../../nodes/registry.ts';
import type { Graph, GraphGroup, GraphNode, GraphNote } from './types.ts';
import { formatLink, parseLink } from './link.ts';
import { isDefault, ownDecl, sameValue } from './param-rules.ts';
import { pairsByKey, parseUnique } from './yaml-doc.ts';

/** How every graph file is printed, so a file saved twice is byte-for-byte the same. */
const PRINT = { lineWidth: 0, flowCollectionPadding: false, indentSeq: true } as const;

/** The params worth writing: those that differ from the defaults, declared ones in declaration order, then the rest as given. */
export function paramsToSave(node: GraphNode): [string, unknown][] {
  const decl = getNodeType(node.type);
  const given = node.params ?? {};
  const out: [string, unknown][] = [];
  if (decl) {
    for (const [name, p] of Object.entries(decl.params)) {
      if (Object.hasOwn(given, name) && !isDefault(p, given[name])) out.push([name, given[name]]);
    }
  }
  for (const [name, value] of Object.entries(given)) {
    if (!decl || !ownDecl(decl.params, name)) out.push([name, value]);
  }
  return out;
}

/**
 * Writes a graph as YAML. With `previous` (the file's current text), the previous document is
 * edited in place so its comments, key order and styles survive; only what changed is rewritten.
 * `previous` may also be that text already parsed (parseUnique), a Document this call then edits.
 */
export function serializeGraph(graph: Graph, previous?: string | Document): string {
  if (previous !== undefined) {
    const doc = typeof previous === 'string' ? parseUnique(previous, {}) : previous;
    // Anchors and aliases could dangle once a node is removed: such a file is rewritten plainly (docs/graph-format.md).
    if (doc.errors.length === 0 && isMap(doc.contents) && !hasAlias(doc)) return update(doc, graph).toString(PRINT);
  }
  return fresh(graph).toString(PRINT);
}

/**
 * `map.set(key, value)` for a key the map does not have yet: set() looks for the key first,
 * one search per key, which is quadratic over the nodes of a large graph.
 */
function append(map: YAMLMap, key: string, value: unknown): Pair {
  const pair = new Pair(key, value);
  map.items.push(pair);
  return pair;
}

function fresh(graph: Graph): Document {
  const doc = new Document({ patchbay: 1 });
  const root = doc.contents as YAMLMap;
  if (graph.name !== undefined) root.set('name', graph.name);
  if (graph.description !== undefined) root.set('description', graph.description);
  if (graph.hosts !== undefined) root.set('hosts', doc.createNode(graph.hosts));
  if (graph.secure !== undefined) root.set('secure', graph.secure);
  const nodes = new YAMLMap();
  for (const [id, node] of Object.entries(graph.nodes)) append(nodes, id, nodeToYaml(doc, node));
  root.set('nodes', nodes);
  root.set('links', doc.createNode(graph.links.map(formatLink)));
  for (const a of annotations(graph)) {
    if (Object.keys(a.entries).length === 0) continue;
    const map = new YAMLMap();
    for (const [id, fields] of Object.entries(a.entries)) append(map, id, entryToYaml(doc, fields));
    root.set(a.key, map);
  }
  if (graph.layout && Object.keys(graph.layout).length) root.set('layout', layoutToYaml(doc, graph.layout));
  return doc;
}

function nodeToYaml(doc: Document, node: GraphNode): YAMLMap {
  const map = new YAMLMap();
  map.set('type', node.type);
  if (node.host !== undefined) map.set('host', node.host);
  const params = paramsToSave(node);
  if (params.length) {
    const pm = new YAMLMap();
    for (const [k, v] of params) append(pm, k, valueNode(doc, v));
    map.set('params', pm);
  }
  return map;
}

/**
 * The editor's annotations, in the order written: groups, then notes (then comes `layout:`). Each
 * entry as its fields in order (undefined: left out); `readable`, whether the loader read an
 * entry of the previous text (one it could not read stays as written).
 */
function annotations(graph: Graph) {
  const noteFields = (n: GraphNote) => ({ text: n.text, at: n.at && [n.at[0], n.at[1]] });
  const groupFields = (g: GraphGroup) => ({ title: g.title, nodes: [...g.nodes] });
  const map = <T>(entries: Record<string, T> | undefined, fields: (t: T) => Record<string, unknown>) =>
    Object.fromEntries(Object.entries(entries ?? {}).map(([id, e]) => [id, fields(e)]));
  return [
    { key: 'groups', entries: map(graph.groups, groupFields), readable: (m: YAMLMap) => isSeq(m.get('nodes', true)) },
    {
      key: 'notes',
      entries: map(graph.notes, noteFields),
      readable: (m: YAMLMap) => typeof m.get('text') === 'string',
    },
  ];
}

function entryToYaml(doc: Document, fields: Record<string, unknown>): YAMLMap {
  const map = new YAMLMap();
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) map.set(k, valueNode(doc, v));
  return map;
}

function valueNode(doc: Document, value: unknown): unknown {
  if (!Array.isArray(value)) return value;
  // Lists in params are short (topics): one line reads better than one item per line.
  const seq = doc.createNode(value) as YAMLSeq;
  seq.flow = true;
  return seq;
}

function layoutToYaml(doc: Document, layout: Record<string, [number, number]>): YAMLMap {
  const map = new YAMLMap();
  for (const [id, xy] of Object.entries(layout)) append(map, id, valueNode(doc, [xy[0], xy[1]]));
  return map;
}

/** Adds a key in front of `before` (a new hosts: map reads best above the nodes it places). */
function insertBefore(map: YAMLMap, before: string, key: string, value: unknown): void {
  const i = map.items.findIndex((p) => isScalar(p.key) && p.key.value === before);
  const pair = new Pair(key, value);
  if (i < 0) map.items.push(pair);
  else map.items.splice(i, 0, pair);
}

/** Sets a key only when its value changed, so an untouched scalar keeps its style and comments. */
function setIfChanged(doc: Document, map: YAMLMap, key: string, value: unknown): void {
  const current = map.get(key, true) as YamlNode | undefined;
  if (current !== undefined && sameValue(toPlain(doc, current), value)) return;
  if (current !== undefined && isScalar(current) && !Array.isArray(value)) {
    current.value = value;
    return;
  }
  map.set(key, valueNode(doc, value));
}

/** setIfChanged on a pair already found. */
function setPairIfChanged(doc: Document, pair: Pair, value: unknown): void {
  const current = pair.value as YamlNode | null | undefined;
  if (current !== undefined && current !== null && sameValue(toPlain(doc, current), value)) return;
  if (isScalar(current) && !Array.isArray(value)) {
    current.value = value;
    return;
  }
  pair.value = valueNode(doc, value);
}

function toPlain(doc: Document, node: YamlNode): unknown {
  // The previous text parsed without errors; an alias bomb in it would only make us rewrite the value.
  try {
    return node.toJS(doc, { maxAliasCount: 100 });
  } catch (err) {
    return err;
  }
}

function update(doc: Document, graph: Graph): Document {
  const root = doc.contents as YAMLMap;
  setIfChanged(doc, root, 'patchbay', 1);
  for (const key of ['name', 'description', 'hosts', 'secure'] as const) {
    if (graph[key] === undefined) root.delete(key);
    else if ((key === 'hosts' || key === 'secure') && !root.has(key))
      insertBefore(root, 'nodes', key, doc.createNode(graph[key]));
    else setIfChanged(doc, root, key, graph[key]);
  }

  const nodesMap = mapAt(root, 'nodes');
  nodesMap.items = nodesMap.items.filter((pair) => {
    const id = isScalar(pair.key) ? String(pair.key.value) : undefined;
    return id !== undefined && Object.hasOwn(graph.nodes, id);
  });
  const nodePairs = pairsByKey(nodesMap.items);
  for (const [id, node] of Object.entries(graph.nodes)) {
    const pair = nodePairs.get(id);
    const existing: unknown = pair?.value;
    if (!isMap(existing)) {
      if (pair) pair.value = nodeToYaml(doc, node);
      else nodePairs.set(id, append(nodesMap, id, nodeToYaml(doc, node)));
      continue;
    }
    setIfChanged(doc, existing, 'type', node.type);
    if (node.host === undefined) existing.delete('host');
    else setIfChanged(doc, existing, 'host', node.host);
    const params = paramsToSave(node);
    if (params.length === 0) {
      existing.delete('params');
      continue;
    }
    const pmap = mapAt(existing, 'params');
    const keep = new Map(params);
    pmap.items = pmap.items.filter((pair) => {
      const name = isScalar(pair.key) ? String(pair.key.value) : undefined;
      return name !== undefined && keep.has(name);
    });
    const paramPairs = pairsByKey(pmap.items);
    for (const [name, value] of params) {
      const p = paramPairs.get(name);
      if (p) setPairIfChanged(doc, p, value);
      else append(pmap, name, valueNode(doc, value));
    }
  }

  // Links: keep the items that still stand (with their comments), drop the rest, append new ones.
  const seq = seqAt(root, 'links');
  const wanted = graph.links.map(formatLink);
  const remaining = new Map<string, number>();
  for (const w of wanted) remaining.set(w, (remaining.get(w) ?? 0) + 1);
  seq.items = seq.items.filter((item) => {
    const parsed = isScalar(item) && typeof item.value === 'string' ? parseLink(item.value) : undefined;
    const t = parsed && formatLink(parsed);
    if (!t || !remaining.get(t)) return false;
    remaining.set(t, remaining.get(t)! - 1);
    return true;
  });
  for (const w of wanted) {
    if (remaining.get(w)) {
      seq.add(w);
      remaining.set(w, remaining.get(w)! - 1);
    }
  }

  for (const a of annotations(graph)) updateEntries(doc, root, a.key, a.entries, a.readable);
  if (!graph.layout || Object.keys(graph.layout).length === 0) root.delete('layout');
  else {
    const lmap = mapAt(root, 'layout');
    lmap.items = lmap.items.filter((pair) => {
      const id = isScalar(pair.key) ? String(pair.key.value) : undefined;
      return id !== undefined && Object.hasOwn(graph.layout!, id);
    });
    const layoutPairs = pairsByKey(lmap.items);
    for (const [id, xy] of Object.entries(graph.layout)) {
      const pair = layoutPairs.get(id);
      const cur = pair?.value as YamlNode | undefined | null;
      if (cur !== undefined && cur !== null && sameValue(toPlain(doc, cur), [xy[0], xy[1]])) continue;
      if (pair) pair.value = valueNode(doc, [xy[0], xy[1]]);
      else layoutPairs.set(id, append(lmap, id, valueNode(doc, [xy[0], xy[1]])));
    }
  }
  return doc;
}

/**
 * An annotation map (`notes:`, `groups:`) by id: a kept entry keeps its comments, unknown keys and
 * the style of what did not change; a new map goes above the annotations after it and `layout:`.
 */
function updateEntries(
  doc: Document,
  root: YAMLMap,
  key: string,
  entries: Record<string, Record<string, unknown>>,
  readable: (entry: YAMLMap) => boolean,
): void {
  const current: unknown = root.get(key, true);
  // An entry the loader could not read (it warned) was never on the canvas: it stays as written.
  const keep = (pair: Pair): boolean =>
    (isScalar(pair.key) && Object.hasOwn(entries, String(pair.key.value))) ||
    !isMap(pair.value) ||
    !readable(pair.value);
  if (Object.keys(entries).length === 0 && !(isMap(current) && current.items.some(keep))) {
    root.delete(key);
    return;
  }
  if (!isMap(current)) {
    root.delete(key);
    const after = ['notes', 'layout'].find((k) => k !== key && root.has(k)) ?? 'layout';
    insertBefore(root, after, key, new YAMLMap());
  }
  const map = mapAt(root, key);
  map.items = map.items.filter(keep);
  const pairs = pairsByKey(map.items);
  for (const [id, fields] of Object.entries(entries)) {
    const existing = pairs.get(id)?.value;
    if (!isMap(existing)) {
      const pair = pairs.get(id);
      if (pair) pair.value = entryToYaml(doc, fields);
      else append(map, id, entryToYaml(doc, fields));
      continue;
    }
    for (const [k, v] of Object.entries(fields)) {
      if (v === undefined) existing.delete(k);
      else setIfChanged(doc, existing, k, v);
    }
  }
}

/** The map under `key`, replacing whatever else is there (the graph is the truth, the old text only a template). */
function mapAt(parent: YAMLMap, key: string): YAMLMap {
  const cur: unknown = parent.get(key, true);
  if (isMap(cur)) return cur;
  const fresh = new YAMLMap();
  parent.set(key, fresh);
  return fresh;
}

function seqAt(parent: YAMLMap, key: string): YAMLSeq {
  const cur: unknown = parent.get(key, true);
  if (isSeq(cur)) return cur;
  const fresh = new YAMLSeq();
  parent.set(key, fresh);
  return fresh;
}

function hasAlias(doc: Document): boolean {
  let found = false;
  visit(doc, {
    Alias() {
      found = true;
      return visit.BREAK;
    },
  });
  return found;
}
