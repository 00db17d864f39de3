/**
 * The server's graph work (parse the body, validate, serialize, load a file) as one pure
 * function from a job to a finished answer. It runs in the checker's worker thread
 * (checker.ts), so a large document never holds up the event loop that runs a graph; the
 * answer is JSON text already, so the main thread only passes strings along.
 */
import type { Document } from 'yaml';
import { loadGraph, validateGraph, serializeGraph } from '../graph/index.ts';
import { parseUnique } from '../graph/yaml-doc.ts';
import type { Graph, GraphError } from '../graph/types.ts';
import { ServerError } from './graph-files.ts';
import { bodyGraph, bodyObject, optionalText } from './body.ts';

/** What the main thread asks of the checker. */
export type CheckJob =
  /** POST /api/validate and /api/serialize: `body` as received. */
  | { op: 'validate'; body: string }
  /** PUT /api/graphs/NAME: `body` as received; `fileText` is the file it replaces, if any. */
  | { op: 'save'; name: string; body: string; fileText?: string }
  /** GET /api/graphs/NAME: a file's text. */
  | { op: 'load'; name: string; text: string };

/** A finished answer: the HTTP status and the JSON body; `save` adds the text to write. */
export type CheckAnswer =
  | { ok: true; status: 200; json: string; write?: string }
  | { ok: false; status: number; code: string; message: string; details?: unknown; internal?: string };

function parseBody(text: string): Record<string, unknown> {
  if (text === '') return {};
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (e) {
    throw new ServerError('BAD_REQUEST', `request body must be JSON: ${(e as Error).message}`);
  }
  return bodyObject(body);
}

/**
 * The file's text, which the editor sends with every validation while a graph is edited, parsed
 * once: each call edits a copy (a clone takes half the time of a parse; 0.5 s at 10 000 nodes).
 */
let lastPrevious: { text: string; doc: Document } | undefined;

function previousDocument(text: string): Document {
  if (lastPrevious?.text !== text) lastPrevious = { text, doc: parseUnique(text, {}) };
  return lastPrevious.doc.clone();
}

/** Errors of a graph as the CLI would report them: with lines and columns of the text it would save. */
function checkGraph(graph: Graph, previous?: string): { text: string; errors: GraphError[] } {
  const text = serializeGraph(graph, previous === undefined ? undefined : previousDocument(previous));
  const loaded = loadGraph(text);
  const errors = loaded.errors.length > 0 ? loaded.errors : validateGraph(graph);
  return { text, errors };
}

function work(job: CheckJob): { json: unknown; write?: string } {
  switch (job.op) {
    case 'validate': {
      const body = parseBody(job.body);
      const text = optionalText(body, 'text');
      if (text !== undefined) {
        const loaded = loadGraph(text, optionalText(body, 'name'));
        return { json: { text, graph: loaded.graph, errors: loaded.errors } };
      }
      return { json: checkGraph(bodyGraph(body), optionalText(body, 'previousText')) };
    }
    case 'save': {
      const body = parseBody(job.body);
      const graph = bodyGraph(body);
      const previous = optionalText(body, 'previousText');
      // What the editor opened is not what the file holds now: saving would lose the other change.
      if (body.force !== true && previous !== undefined && job.fileText !== undefined && job.fileText !== previous)
        throw new ServerError(
          'CHANGED_ON_DISK',
          `${job.name} changed on disk since it was opened here (another tab, a text editor, git pull): save again with force to replace it, or reload it`,
        );
      const { text, errors } = checkGraph(graph, previous ?? job.fileText);
      return { json: { name: job.name, text, errors }, write: text };
    }
    case 'load': {
      const { graph, errors } = loadGraph(job.text, job.name);
      return { json: { name: job.name, text: job.text, graph, errors } };
    }
  }
}

/** Answers one job; never throws. */
export function answer(job: CheckJob): CheckAnswer {
  try {
    const { json, write } = work(job);
    return { ok: true, status: 200, json: JSON.stringify(json), write };
  } catch (e) {
    if (e instanceof ServerError)
      return { ok: false, status: e.status, code: e.code, message: e.message, details: e.details };
    // A bug, not the client's doing: the main thread prints the stack.
    const err = e as Error;
    return {
      ok: false,
      status: 500,
      code: 'INTERNAL',
      message: err?.message ?? String(e),
      internal: err?.stack ?? String(e),
    };
  }
}
