/**
 * The shape of what clients send, checked before anything reads it: a graph from JSON can hold
 * anything (`links: [null]`, `nodes: {a: null}`), and the graph modules trust the types they
 * declare. A body of the wrong shape is the client's mistake (400 BAD_REQUEST naming the path,
 * the expected and the received), never a crash of the server.
 */
import type { Graph } from '../graph/types.ts';
import { isPosition } from '../graph/notes.ts';
import { ServerError } from './graph-files.ts';

/** Param values are plain data; deeper than this is no graph's, and would only exhaust the stack later on. */
const MAX_DEPTH = 32;

function received(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'a list';
  if (typeof x === 'object') return 'an object';
  if (typeof x === 'string') return `a string ${JSON.stringify(x.length > 40 ? `${x.slice(0, 37)}...` : x)}`;
  return `${typeof x} ${String(x)}`;
}

function bad(path: string, expected: string, value: unknown): ServerError {
  return new ServerError('BAD_REQUEST', `${path} must be ${expected}, got ${received(value)}`, { path });
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

function checkDepth(value: unknown, path: string): void {
  // Iterative: the point is to refuse what would overflow a recursive walker.
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth >= MAX_DEPTH)
      throw new ServerError('BAD_REQUEST', `${path} is nested more than ${MAX_DEPTH} deep`, { path });
    for (const x of Object.values(v)) stack.push([x, depth + 1]);
  }
}

function checkRef(x: unknown, path: string): void {
  if (!isObject(x) || typeof x.node !== 'string' || typeof x.port !== 'string')
    throw bad(path, '{node: string, port: string}', x);
}

/** The request body as an object: JSON `null`, a list or a number is not a request. */
export function bodyObject(body: unknown): Record<string, unknown> {
  if (!isObject(body)) throw bad('the request body', 'a JSON object', body);
  return body;
}

/** `body[key]` when it is a string, undefined when absent or null. */
export function optionalText(body: Record<string, unknown>, key: string): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw bad(`body.${key}`, 'a string', v);
  return v;
}

/**
 * `body.graph` checked down to every node, link and layout entry. Keys the format does not know
 * pass through (the validator names them); only types the graph modules rely on are enforced.
 */
export function bodyGraph(body: Record<string, unknown>, root = 'body.graph'): Graph {
  const g = body.graph;
  if (!isObject(g)) throw bad(root, 'a graph object {patchbay, nodes, links}', g);
  if (!isObject(g.nodes)) throw bad(`${root}.nodes`, 'an object from node id to {type, params}', g.nodes);
  for (const [id, node] of Object.entries(g.nodes)) {
    const at = `${root}.nodes[${JSON.stringify(id)}]`;
    if (!isObject(node)) throw bad(at, 'an object {type, params}', node);
    if (typeof node.type !== 'string') throw bad(`${at}.type`, 'a string', node.type);
    if (node.params !== undefined && !isObject(node.params)) throw bad(`${at}.params`, 'an object', node.params);
    if (node.host !== undefined && typeof node.host !== 'string') throw bad(`${at}.host`, 'a string', node.host);
    if (node.params !== undefined) checkDepth(node.params, `${at}.params`);
  }
  if (!Array.isArray(g.links)) throw bad(`${root}.links`, 'a list of {from: {node, port}, to: {node, port}}', g.links);
  g.links.forEach((link: unknown, i: number) => {
    if (!isObject(link)) throw bad(`${root}.links[${i}]`, '{from: {node, port}, to: {node, port}}', link);
    checkRef(link.from, `${root}.links[${i}].from`);
    checkRef(link.to, `${root}.links[${i}].to`);
  });
  for (const key of ['name', 'description'] as const) {
    if (g[key] !== undefined && typeof g[key] !== 'string') throw bad(`${root}.${key}`, 'a string', g[key]);
  }
  if (g.layout !== undefined) {
    if (!isObject(g.layout)) throw bad(`${root}.layout`, 'an object from node id to [x, y]', g.layout);
    for (const [id, xy] of Object.entries(g.layout)) {
      if (!isPosition(xy)) {
        throw bad(`${root}.layout[${JSON.stringify(id)}]`, '[x, y] numbers', xy);
      }
    }
  }
  if (g.notes !== undefined) {
    if (!isObject(g.notes)) throw bad(`${root}.notes`, 'an object from note id to {text, at}', g.notes);
    for (const [id, note] of Object.entries(g.notes)) {
      const at = `${root}.notes[${JSON.stringify(id)}]`;
      if (!isObject(note)) throw bad(at, 'an object {text, at}', note);
      if (typeof note.text !== 'string') throw bad(`${at}.text`, 'a string', note.text);
      if (note.at !== undefined && !isPosition(note.at)) throw bad(`${at}.at`, '[x, y] numbers', note.at);
    }
  }
  if (g.groups !== undefined) {
    if (!isObject(g.groups)) throw bad(`${root}.groups`, 'an object from group id to {title, nodes}', g.groups);
    for (const [id, group] of Object.entries(g.groups)) {
      const at = `${root}.groups[${JSON.stringify(id)}]`;
      if (!isObject(group)) throw bad(at, 'an object {title, nodes}', group);
      if (group.title !== undefined && typeof group.title !== 'string')
        throw bad(`${at}.title`, 'a string', group.title);
      if (!Array.isArray(group.nodes) || !group.nodes.every((n) => typeof n === 'string'))
        throw bad(`${at}.nodes`, 'a list of node ids', group.nodes);
    }
  }
  for (const [key, value] of Object.entries(g)) {
    if (!['nodes', 'links', 'layout', 'notes', 'groups'].includes(key)) checkDepth(value, `${root}.${key}`);
  }
  return { ...(g as unknown as Graph), patchbay: 1 };
}
