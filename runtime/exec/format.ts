/**
 * What `patchbay run` prints: the live table (per node and per link), the progress bar,
 * the periodic line for logs, and the summary at the end.
 */
import type { NodeFailure, NodeRates, RunSummary, StatsSnapshot } from './types.ts';

const num = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : '-');

function table(rows: string[][], right: Set<number>): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) =>
    r
      .map((cell, c) => (right.has(c) ? cell.padStart(widths[c]) : cell.padEnd(widths[c])))
      .join('  ')
      .trimEnd(),
  );
}

/** "waiting for 3 subscribers (2 joined)": a node whose sources wait for outside peers (waitFor). */
export function waitingText(w: NonNullable<NodeRates['waiting']>): string {
  return `waiting for ${w.want} ${w.want === 1 ? w.what.slice(0, -1) : w.what} (${w.joined} joined)${w.from?.length ? `, the graph's ${w.from.join(', ')} among them` : ''}`;
}

/** A text progress bar: [#####-----] 50% 100/200 frames. */
export function progressBar(done: number, total: number, width = 30): string {
  const f = total > 0 ? Math.min(1, done / total) : 0;
  const filled = Math.round(f * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${num(f * 100)}% ${done}/${total} frames`;
}

/** The live table: one row per node, one per link that carries frames, and the progress bar when the frame count is known. */
export function formatStats(s: StatsSnapshot): string {
  const nodeRows = [
    ['node', 'type', 'state', 'in', 'out', 'frames/s', 'MB/s', 'ms/frame', 'queue', 'dropped', 'errors'],
  ];
  for (const [id, n] of Object.entries(s.nodes))
    nodeRows.push([
      id,
      n.type,
      n.waiting ? 'waiting' : n.state,
      String(n.framesIn),
      String(n.framesOut),
      num(n.fps, 1),
      num(n.mbps, 1),
      num(n.msPerFrame, 2),
      String(n.queueDepth),
      String(n.dropped),
      String(n.errors),
    ]);
  const lines = table(nodeRows, new Set([3, 4, 5, 6, 7, 8, 9, 10]));
  const linkRows = [['link', 'frames', 'frames/s', 'MB/s', 'queue', 'dropped']];
  for (const l of Object.values(s.links))
    linkRows.push([
      `${l.link}${l.lossless ? '' : ' (may drop)'}`,
      String(l.frames),
      num(l.fps, 1),
      num(l.mbps, 1),
      String(l.queueDepth),
      String(l.dropped),
    ]);
  if (linkRows.length > 1) lines.push('', ...table(linkRows, new Set([1, 2, 3, 4, 5])));
  for (const [id, n] of Object.entries(s.nodes)) if (n.waiting) lines.push('', `${id}: ${waitingText(n.waiting)}`);
  lines.push(
    '',
    `${num(s.elapsedMs / 1000, 1)} s${s.progress ? '  ' + progressBar(s.progress.done, s.progress.total) : ''}`,
  );
  return lines.join('\n') + '\n';
}

/** One line for logs (stdout not a terminal): elapsed, progress, and per node frames out and rate. */
export function formatStatsLine(s: StatsSnapshot): string {
  const parts = Object.entries(s.nodes).map(
    ([id, n]) => `${id} ${n.framesOut || n.framesIn} (${num(n.fps, 0)}/s${n.dropped ? `, ${n.dropped} dropped` : ''})`,
  );
  const prog = s.progress ? ` ${num((100 * s.progress.done) / s.progress.total)}%` : '';
  const waits = Object.entries(s.nodes)
    .filter(([, n]) => n.waiting)
    .map(([id, n]) => `; ${id} ${waitingText(n.waiting!)}`);
  return `[${num(s.elapsedMs / 1000, 1)} s${prog}] ${parts.join(', ')}${waits.join('')}\n`;
}

/** "node: CODE: message", or "CODE: message" for the run's own failures (the CLI already says "patchbay run:"). */
export function formatFailure(f: NodeFailure): string {
  return `${f.node ? `${f.node}: ` : ''}${f.code}: ${f.message}`;
}

/**
 * The summary at the end: per node frames in/out, dropped, errors and mean rate; each file a
 * sink wrote (`files`: node id to its path, as the graph gives it); failures and losses. A run
 * that failed before any frame moved prints its failures only: a table of zeros says nothing.
 */
export function formatSummary(r: RunSummary, files: Record<string, string> = {}): string {
  const secs = r.durationMs / 1000;
  const nodes = Object.values(r.stats.nodes);
  if (!r.ok && nodes.every((n) => n.framesIn === 0 && n.framesOut === 0 && n.dropped === 0 && n.errors === 0)) {
    return (
      [
        `run FAILED before it started (exit code ${r.exitCode})`,
        ...r.failures.map((f) => `failed: ${formatFailure(f)}`),
      ].join('\n') + '\n'
    );
  }
  const rows = [['node', 'type', 'in', 'out', 'dropped', 'errors', 'frames/s', 'ms/frame']];
  for (const [id, n] of Object.entries(r.stats.nodes)) {
    const frames = Math.max(n.framesIn, n.framesOut);
    rows.push([
      id,
      n.type,
      String(n.framesIn),
      String(n.framesOut),
      String(n.dropped),
      String(n.errors),
      num(secs > 0 ? frames / secs : 0, 1),
      num(n.msPerFrame, 2),
    ]);
  }
  const lines = [
    `run ${r.ok ? 'finished' : 'FAILED'} in ${num(secs, 1)} s (exit code ${r.exitCode})`,
    ...table(rows, new Set([2, 3, 4, 5, 6, 7])),
  ];
  for (const [id, n] of Object.entries(r.stats.nodes)) {
    if (n.framesStored === undefined) continue;
    const file = files[id] === undefined ? 'its file' : `its file ${files[id]}`;
    // A sink that failed having stored nothing may have been refused its file (FILE_EXISTS): what is in it is not ours to count.
    const failed = r.failures.some((f) => f.node === id);
    lines.push(
      failed && n.framesStored === 0
        ? `${id}: wrote nothing to ${files[id] ?? 'its file'}`
        : `${id}: ${n.framesStored} frames in ${file}`,
    );
  }
  for (const [id, n] of Object.entries(r.stats.nodes)) {
    if (n.unheard)
      lines.push(
        n.unheard >= n.framesOut
          ? `${id}: ${n.unheard} frames published, no subscriber`
          : `${id}: ${n.unheard} of ${n.framesOut} frames published while no subscriber listened`,
      );
    if (n.refused) {
      const why = Object.entries(n.refused)
        .map(([code, k]) => `${code} ${k}`)
        .join(', ');
      lines.push(`${id}: ${n.errors} messages refused or warned about (${why})`);
    }
  }
  const drops = Object.values(r.stats.links).filter((l) => l.dropped > 0);
  for (const l of drops) lines.push(`dropped at the high-water mark on ${l.link}: ${l.dropped}`);
  if (r.lost) lines.push(`LOST on lossless links: ${r.lost} frames`);
  for (const f of r.failures) lines.push(`failed: ${formatFailure(f)}`);
  return lines.join('\n') + '\n';
}
