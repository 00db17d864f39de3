import { Document, LineCounter, isMap, isScalar, isSeq, type Node as YamlNode, type Pair, type YAMLMap } from 'yaml';
import type { Graph, GraphError, GraphErrorCode, GraphNode } from './types.ts';
import { analyzeGraph, type Analysis, type Where } from './analyze.ts';
import { parseLink } from './link.ts';
import { describe, setOwn } from './param-rules.ts';
import { didYouMean } from './suggest.ts';
import { isPosition, readNotes, type NoteWarn } from './notes.ts';
import { readGroups } from './groups.ts';
import { Aliases, parseUnique } from './yaml-doc.ts';

/** A graph file read: the graph when its structure is readable, every error and warning, and the YAML document (for saving back). */
export interface LoadedGraph {
  graph?: Graph;
  errors: GraphError[];
  doc: Document;
  file?: string;
  /** The checks' findings on `graph`: compileGraph(graph, analysis) builds on them rather than checking again. */
  analysis?: Analysis;
}

const TOP_KEYS = ['patchbay', 'name', 'description', 'hosts', 'secure', 'nodes', 'links', 'groups', 'notes', 'layout'];
const NODE_KEYS = ['type', 'params', 'host'];

/** Where each part of the graph sits in the document, to put line and column on errors. */
interface Places {
  version?: YamlNode;
  nodesKey?: YamlNode;
  nodes: Map<
    string,
    {
      key: YamlNode;
      type?: YamlNode;
      host?: YamlNode;
      paramsKey?: YamlNode;
      params: Map<string, { key: YamlNode; value?: YamlNode }>;
    }
  >;
  /** graph.links[i] was read from this item. */
  links: YamlNode[];
  hostsKey?: YamlNode;
  hostsValue?: YamlNode;
  hosts: Map<string, { key: YamlNode; value?: YamlNode }>;
  secure?: YamlNode;
}

/** Reads a graph file. Never throws: every problem is collected, with its line and column. */
export function loadGraph(text: string, file?: string): LoadedGraph {
  const lc = new LineCounter();
  const errors: GraphError[] = [];
  const at = (node: YamlNode | undefined | null, extra = 0): { line: number; col: number } => {
    const offset = node?.range ? node.range[0] + extra : 0;
    return lc.linePos(offset);
  };
  const push = (
    code: GraphErrorCode,
    message: string,
    node: YamlNode | undefined | null,
    fields: Partial<GraphError> = {},
    severity: 'error' | 'warning' = 'error',
  ) => {
    errors.push({ code, severity, message, ...fields, ...at(node) });
  };

  let doc: Document;
  try {
    doc = parseUnique(String(text), { lineCounter: lc, prettyErrors: true });
  } catch (err) {
    // The parser collects what it can; a throw here is a bug in it, still reported as the user's syntax problem.
    errors.push({
      code: 'YAML_SYNTAX',
      severity: 'error',
      message: `YAML could not be read: ${(err as Error).message}`,
      line: 1,
      col: 1,
    });
    return { errors, doc: new Document(), file };
  }
  for (const e of doc.errors) {
    const pos = e.linePos?.[0] ?? lc.linePos(e.pos[0]);
    errors.push({
      code: 'YAML_SYNTAX',
      severity: 'error',
      message: firstLine(e.message),
      line: pos.line,
      col: pos.col,
    });
  }
  for (const w of doc.warnings) {
    const pos = w.linePos?.[0] ?? lc.linePos(w.pos[0]);
    errors.push({
      code: 'YAML_SYNTAX',
      severity: 'warning',
      message: firstLine(w.message),
      line: pos.line,
      col: pos.col,
    });
  }
  // yaml leaves an alias without its anchor for toJS to trip over later; it is a syntax error to the user.
  const aliases = new Aliases(doc, String(text));
  for (const alias of aliases.dangling()) {
    const pos = lc.linePos(alias.range?.[0] ?? 0);
    errors.push({
      code: 'YAML_SYNTAX',
      severity: 'error',
      message: `alias *${alias.source} has no anchor &${alias.source} before it`,
      ...pos,
    });
  }
  if (errors.some((e) => e.code === 'YAML_SYNTAX' && e.severity === 'error')) return { errors, doc, file };

  const root = doc.contents;
  if (root !== null && !isMap(root)) {
    push('BAD_DOCUMENT', 'a graph file must be a map with patchbay, nodes and links', root);
    return { errors, doc, file };
  }
  const graph: Graph = { patchbay: 1, nodes: {}, links: [] };
  const places: Places = { nodes: new Map(), links: [], hosts: new Map() };
  const toJS = (node: YamlNode | null | undefined, what: string): { ok: boolean; value?: unknown } => {
    if (node === null || node === undefined) return { ok: true, value: null };
    try {
      return { ok: true, value: aliases.toJS(node, 100) };
    } catch (err) {
      push('BAD_DOCUMENT', `${what} could not be read: ${(err as Error).message}`, node);
      return { ok: false };
    }
  };

  const warn: NoteWarn = (code, message, node) => push(code, message, node, {}, 'warning');
  let members: ReturnType<typeof readGroups>['members'] = [];
  let versionSeen = false;
  for (const pair of (root as YAMLMap | null)?.items ?? []) {
    const key = keyName(pair);
    const keyNode = pair.key as YamlNode | null;
    const value = pair.value as YamlNode | null;
    if (key === undefined) {
      push('BAD_DOCUMENT', 'keys of a graph file must be plain names', keyNode);
      continue;
    }
    switch (key) {
      case 'patchbay': {
        versionSeen = true;
        places.version = value ?? keyNode ?? undefined;
        const v = isScalar(value) ? value.value : undefined;
        if (v !== 1) {
          const future = typeof v === 'number' && v > 1;
          push(
            'UNSUPPORTED_VERSION',
            future
              ? `format version ${v} is newer than this patchbay reads (version 1): update patchbay`
              : `format version ${describe(v)} is not supported: expected patchbay: 1`,
            places.version,
          );
        }
        break;
      }
      case 'name':
      case 'description': {
        if (value === null) break;
        if (isScalar(value) && typeof value.value === 'string') graph[key] = value.value;
        else push('BAD_DOCUMENT', `${key} must be a string`, value, {}, 'warning');
        break;
      }
      case 'hosts': {
        places.hostsKey = keyNode ?? undefined;
        places.hostsValue = value ?? undefined;
        for (const hp of isMap(value) ? value.items : []) {
          const name = keyName(hp);
          if (name !== undefined)
            places.hosts.set(name, { key: hp.key as YamlNode, value: (hp.value as YamlNode | null) ?? undefined });
        }
        const h = toJS(value, 'hosts');
        if (h.ok && h.value !== null) graph.hosts = h.value as Graph['hosts']; // the validator checks its shape
        break;
      }
      case 'secure': {
        places.secure = value ?? keyNode ?? undefined;
        const v = toJS(value, 'secure');
        if (v.ok && v.value !== null) graph.secure = v.value as boolean;
        break;
      }
      case 'nodes':
        places.nodesKey = keyNode ?? undefined;
        if (value === null) break;
        if (!isMap(value)) {
          push('BAD_DOCUMENT', 'nodes must be a map from node id to {type, params}', value);
          break;
        }
        for (const np of value.items) readNode(np);
        break;
      case 'links':
        if (value === null) break;
        if (!isSeq(value)) {
          push('BAD_DOCUMENT', 'links must be a list of "node.port -> node.port"', value);
          break;
        }
        for (const item of value.items as (YamlNode | null)[]) {
          const t = isScalar(item) && typeof item.value === 'string' ? item.value : undefined;
          const link = t === undefined ? undefined : parseLink(t);
          if (!link) {
            push(
              'BAD_LINK',
              `link ${t === undefined ? describe(toJS(item, 'link').value) : JSON.stringify(t)} must read "node.port -> node.port"`,
              item ?? value,
              t === undefined ? {} : { link: t },
            );
            continue;
          }
          graph.links.push(link);
          places.links.push(item!);
        }
        break;
      case 'groups':
        ({ groups: graph.groups, members } = readGroups(value, toJS, warn));
        break;
      case 'notes':
        graph.notes = readNotes(value, toJS, warn);
        break;
      case 'layout':
        if (value === null) break;
        if (!isMap(value)) {
          push('BAD_DOCUMENT', 'layout must be a map from node id to [x, y]', value, {}, 'warning');
          break;
        }
        graph.layout = {};
        for (const lp of value.items) {
          const id = keyName(lp);
          const v = toJS(lp.value as YamlNode | null, 'a layout position');
          const xy = v.value;
          if (id === undefined || !isPosition(xy)) {
            push(
              'BAD_DOCUMENT',
              `layout ${id ?? ''}: expected [x, y] numbers, received ${describe(xy)}`,
              (lp.value ?? lp.key) as YamlNode | null,
              {},
              'warning',
            );
            continue;
          }
          setOwn(graph.layout, id, [xy[0], xy[1]] as [number, number]);
        }
        break;
      default:
        push(
          'UNKNOWN_KEY',
          `unknown key ${key}${didYouMean(key, TOP_KEYS)}: a graph file has ${TOP_KEYS.join(', ')}`,
          keyNode,
        );
    }
  }
  if (!versionSeen) {
    errors.push({
      code: 'MISSING_VERSION',
      severity: 'error',
      message: 'the first line should be "patchbay: 1" (the format version)',
      line: 1,
      col: 1,
    });
  }
  for (const m of members) {
    if (!Object.hasOwn(graph.nodes, m.node))
      push('UNKNOWN_NODE', `group ${m.group} names node ${m.node}, which the graph does not have`, m.at, {}, 'warning');
  }
  if (graph.layout) {
    // The first pair of each id, looked up once: one search of the layout per stray id adds up.
    const layoutPairs = new Map<string, Pair<unknown, unknown>>();
    for (const p of (isMap(root) ? (root.get('layout', true) as YAMLMap | undefined) : undefined)?.items ?? []) {
      const k = keyName(p);
      if (k !== undefined && !layoutPairs.has(k)) layoutPairs.set(k, p);
    }
    for (const id of Object.keys(graph.layout)) {
      if (!Object.hasOwn(graph.nodes, id)) {
        const lp = layoutPairs.get(id);
        push(
          'UNKNOWN_NODE',
          `layout names node ${id}, which the graph does not have`,
          (lp?.key ?? null) as YamlNode | null,
          { node: id },
          'warning',
        );
      }
    }
  }

  const analysis = analyzeGraph(graph);
  for (const { error, where } of analysis.issues) {
    errors.push({ ...error, ...position(where) });
  }
  errors.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.col ?? 0) - (b.col ?? 0));
  return { graph, errors, doc, file, analysis };

  function readNode(np: Pair<unknown, unknown>): void {
    const id = keyName(np);
    const keyNode = np.key as YamlNode;
    if (id === undefined) {
      push('BAD_NODE_ID', 'a node id must be a plain name', keyNode);
      return;
    }
    const place: Places['nodes'] extends Map<string, infer P> ? P : never = { key: keyNode, params: new Map() };
    places.nodes.set(id, place);
    const node: GraphNode = { type: '', params: {} };
    setOwn(graph.nodes, id, node);
    const body = np.value as YamlNode | null;
    // Anything but a map leaves the node without a type, which the validator reports on the node.
    if (!isMap(body)) return;
    for (const kp of body.items) {
      const k = keyName(kp);
      const v = kp.value as YamlNode | null;
      switch (k) {
        case 'type':
          place.type = v ?? undefined;
          // Anything that is not a scalar is left empty: the validator reports the node has no type.
          if (isScalar(v) && v.value !== null && typeof v.value !== 'object') node.type = String(v.value);
          break;
        case 'host': {
          place.host = v ?? undefined;
          const h = toJS(v, 'host');
          if (h.ok) node.host = h.value as string; // the validator checks it is a name
          break;
        }
        case 'params':
          place.paramsKey = kp.key as YamlNode;
          if (v === null) break;
          if (!isMap(v)) {
            push('BAD_DOCUMENT', `node ${id}: params must be a map`, v, { node: id });
            break;
          }
          for (const pp of v.items) {
            const name = keyName(pp);
            if (name === undefined) {
              push('UNKNOWN_PARAM', `node ${id}: param names must be plain names`, pp.key as YamlNode, { node: id });
              continue;
            }
            place.params.set(name, { key: pp.key as YamlNode, value: (pp.value as YamlNode | null) ?? undefined });
            const r = toJS(pp.value as YamlNode | null, `node ${id}: param ${name}`);
            if (r.ok) setOwn(node.params, name, r.value);
          }
          break;
        default:
          push(
            'UNKNOWN_KEY',
            `node ${id}: unknown key ${k ?? '?'}${k ? didYouMean(k, NODE_KEYS) : ''}: a node has ${NODE_KEYS.join(', ')}`,
            kp.key as YamlNode,
            { node: id },
          );
      }
    }
  }

  function position(where: Where): { line: number; col: number } {
    switch (where.at) {
      case 'doc':
        return { line: 1, col: 1 };
      case 'version':
        return places.version ? at(places.version) : { line: 1, col: 1 };
      case 'nodes':
        return places.nodesKey ? at(places.nodesKey) : { line: 1, col: 1 };
      case 'node': {
        const p = places.nodes.get(where.node);
        if (!p) return places.nodesKey ? at(places.nodesKey) : { line: 1, col: 1 };
        const k =
          where.key === 'type'
            ? p.type
            : where.key === 'host'
              ? p.host
              : where.key === 'params'
                ? p.paramsKey
                : undefined;
        return at(k ?? p.key);
      }
      case 'param': {
        const p = places.nodes.get(where.node);
        const pp = p?.params.get(where.param);
        if (!pp) return at(p?.paramsKey ?? p?.key ?? places.nodesKey);
        return at(where.key ? pp.key : (pp.value ?? pp.key));
      }
      case 'link': {
        const item = places.links[where.index];
        if (!item) return { line: 1, col: 1 };
        return at(item, where.text ? offsetIn(item, where.text) : 0);
      }
      case 'hosts': {
        const h = where.host === undefined ? undefined : places.hosts.get(where.host);
        return at(h ? (where.key ? h.key : (h.value ?? h.key)) : (places.hostsValue ?? places.hostsKey));
      }
      case 'secure':
        return at(places.secure);
    }
  }

  /** Where `part` starts inside a link's source text, so the column points at the offending end. */
  function offsetIn(item: YamlNode, part: string): number {
    if (!item.range) return 0;
    const raw = String(text).slice(item.range[0], item.range[1]);
    const direct = raw.indexOf(part);
    if (direct >= 0) return direct;
    // "a.out -> b.in" as written may space the arrow differently from how formatLink spells it.
    const head = raw.indexOf(part.split(' ')[0]);
    return head >= 0 ? head : 0;
  }
}

/** A pair's key as a string, when it is a plain scalar (ids written as numbers count as their text). */
function keyName(pair: Pair<unknown, unknown>): string | undefined {
  const k = pair.key;
  if (isScalar(k) && (typeof k.value === 'string' || typeof k.value === 'number' || typeof k.value === 'boolean')) {
    return String(k.value);
  }
  return undefined;
}

function firstLine(message: string): string {
  return message.split('\n')[0];
}
