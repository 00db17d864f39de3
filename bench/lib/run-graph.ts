/**
 * Runs one graph as `patchbay run` does (load, compile, the executor) and times it the way
 * the Python programs time themselves: from the source's first frame to the moment each
 * consumer got its last one, so neither side's figure pays for start-up (imports, pools,
 * files). Prints one JSON line: the run summary and those times.
 *
 *   node bin/run-ts.js bench/lib/run-graph.ts GRAPH.yaml [--stop-when NODE=FRAMES]
 *
 * --stop-when stops the run (as Ctrl-C does: sources stop, everything drains) once NODE has
 * taken FRAMES frames in: REQ/REP's camera runs until the client has its replies, as the
 * Python server has a frame for every request.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { loadGraph } from '../../runtime/graph/index.ts';
import { compileGraph } from '../../runtime/compile/index.ts';
import { runGraph } from '../../runtime/exec/executor.ts';

/** How often the executor reports counters: the resolution of the consumers' last-frame times. */
const STATS_MS = 20;

/** What this runner prints; bench/lib/pipelines.ts reads it. */
export interface GraphTiming {
  type: 'bench';
  /** The run summary, as `patchbay run --json` prints it. */
  summary: unknown;
  /** ms from this process's start to the first frame a source emitted. */
  firstFrameMs?: number;
  /** Per node: ms from this process's start to the last stats interval in which its frames in grew. */
  lastInMs: Record<string, number>;
  /** ms from this process's start to the end of the run. */
  endMs: number;
}

async function main(file: string, stopWhen?: { node: string; frames: number }): Promise<number> {
  const text = readFileSync(file, 'utf8');
  const loaded = loadGraph(text, file);
  if (!loaded.graph || loaded.errors.some((e) => e.severity === 'error')) {
    process.stderr.write(`${file}: ${loaded.errors.map((e) => e.code).join(', ')}\n`);
    return 1;
  }
  const plan = compileGraph(loaded.graph, loaded.analysis);
  const sources = new Set(plan.nodes.filter((n) => n.type === 'Camera').map((n) => n.id));
  let firstFrameMs: number | undefined;
  const lastIn: Record<string, number> = {};
  const seen: Record<string, number> = {};
  let stopped = false;
  const run = runGraph(plan, {
    graphText: text,
    statsIntervalMs: STATS_MS,
    tap: (node) => {
      if (firstFrameMs === undefined && sources.has(node)) firstFrameMs = performance.now();
    },
  });
  run.on('stats', (s) => {
    const now = performance.now();
    for (const [id, n] of Object.entries(s.nodes)) {
      if (n.framesIn !== (seen[id] ?? 0)) lastIn[id] = now;
      seen[id] = n.framesIn;
    }
    // Once: a second stop() forces the end instead of draining.
    if (stopWhen && !stopped && (s.nodes[stopWhen.node]?.framesIn ?? 0) >= stopWhen.frames) {
      stopped = true;
      run.stop();
    }
  });
  const stop = (): void => {
    stopped = true;
    run.stop();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  const summary = await run.done;
  const endMs = performance.now();
  // Frames that arrived after the last stats interval: the end of the run is when they were last seen.
  for (const [id, n] of Object.entries(summary.stats.nodes)) if (n.framesIn !== (seen[id] ?? 0)) lastIn[id] = endMs;
  const out: GraphTiming = { type: 'bench', summary, firstFrameMs, lastInMs: lastIn, endMs };
  process.stdout.write(JSON.stringify(out) + '\n');
  return summary.exitCode;
}

const [file, flag, value] = process.argv.slice(2);
const stop = flag === '--stop-when' ? /^([a-z][a-z0-9_-]*)=(\d+)$/.exec(value ?? '') : null;
if (!file || (flag !== undefined && !stop)) {
  process.stderr.write('usage: node bin/run-ts.js bench/lib/run-graph.ts GRAPH.yaml [--stop-when NODE=FRAMES]\n');
  process.exitCode = 2;
} else {
  process.exitCode = await main(file, stop ? { node: stop[1], frames: Number(stop[2]) } : undefined);
}
