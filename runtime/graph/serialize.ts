import { Document, isMap, isScalar, isSeq, parseDocument, visit, type Node as YamlNode, YAMLMap, YAMLSeq } from 'yaml';
import { getNodeType } from '../../nodes/registry.ts';
import type { Graph, GraphNode } from './types.ts';
import { formatLink, parseLink } from './link.ts';
import { isDefault, ownDecl, sameValue } from './params.ts';

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
 */
export function serializeGraph(graph: Graph, previous?: string): string {
  if (previous !== undefined) {
    const doc = parseDocument(previous, { uniqueKeys: true });
    // Anchors and aliases could dangle once a node is removed: such a file is rewritten plainly (docs/graph-format.md).
    if (doc.errors.length === 0 && isMap(doc.contents) && !hasAlias(doc)) return update(doc, graph).toString(PRINT);
  }
  return fresh(graph).toString(PRINT);
}

function fresh(graph: Graph): Document {
  const doc = new Document({ patchbay: 1 });
  const root = doc.contents as YAMLMap;
  if (graph.name !== undefined) root.set('name', graph.name);
  if (graph.description !== undefined) root.set('description', graph.description);
  const nodes = new YAMLMap();
  for (const [id, node] of Object.entries(graph.nodes)) nodes.set(id, nodeToYaml(doc, node));
  root.set('nodes', nodes);
  root.set('links', doc.createNode(graph.links.map(formatLink)));
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
    for (const [k, v] of params) pm.set(k, valueNode(doc, v));
    map.set('params', pm);
  }
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
  for (const [id, xy] of Object.entries(layout)) map.set(id, valueNode(doc, [xy[0], xy[1]]));
  return map;
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
  for (const key of ['name', 'description'] as const) {
    if (graph[key] === undefined) root.delete(key);
    else setIfChanged(doc, root, key, graph[key]);
  }

  const nodesMap = mapAt(root, 'nodes');
  for (const pair of [...nodesMap.items]) {
    const id = isScalar(pair.key) ? String(pair.key.value) : undefined;
    if (id === undefined || !Object.hasOwn(graph.nodes, id)) nodesMap.items.splice(nodesMap.items.indexOf(pair), 1);
  }
  for (const [id, node] of Object.entries(graph.nodes)) {
    const existing: unknown = nodesMap.get(id, true);
    if (!isMap(existing)) {
      nodesMap.set(id, nodeToYaml(doc, node));
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
    for (const pair of [...pmap.items]) {
      const name = isScalar(pair.key) ? String(pair.key.value) : undefined;
      if (name === undefined || !keep.has(name)) pmap.items.splice(pmap.items.indexOf(pair), 1);
    }
    for (const [name, value] of params) setIfChanged(doc, pmap, name, value);
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

  if (!graph.layout || Object.keys(graph.layout).length === 0) root.delete('layout');
  else {
    const lmap = mapAt(root, 'layout');
    for (const pair of [...lmap.items]) {
      const id = isScalar(pair.key) ? String(pair.key.value) : undefined;
      if (id === undefined || !Object.hasOwn(graph.layout, id)) lmap.items.splice(lmap.items.indexOf(pair), 1);
    }
    for (const [id, xy] of Object.entries(graph.layout)) {
      const cur = lmap.get(id, true) as YamlNode | undefined;
      if (cur !== undefined && sameValue(toPlain(doc, cur), [xy[0], xy[1]])) continue;
      lmap.set(id, valueNode(doc, [xy[0], xy[1]]));
    }
  }
  return doc;
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
