/** Medians over repetitions, the table, and what the machine is. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, totalmem, release } from 'node:os';
import { join } from 'node:path';
import type { Pattern, Side, SideRun } from './pipelines.ts';
import { ROOT } from './pipelines.ts';

export function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** One row of the table: a pattern's consumer on one side, medians over the repetitions that succeeded. */
export interface Row {
  pattern: Pattern;
  consumer: string;
  side: Side;
  runs: number;
  failed: number;
  fps: number;
  mbps: number;
  /** Frames lost in the worst repetition (a single loss on a lossless path must show). */
  lostMax: number;
  /** Median frames sent. */
  sent: number;
  cpuS?: number;
  rssMb?: number;
  wallS: number;
  /** patchbay rows: patchbay's frames/s over the course's and over the fast Python side's. */
  vsCourse?: number;
  vsFast?: number;
  problems: string[];
}

export function summarize(runs: SideRun[]): Row[] {
  const rows: Row[] = [];
  const keys = new Map<string, SideRun[]>();
  for (const r of runs) {
    const consumers = r.deliveries.length ? r.deliveries.map((d) => d.consumer) : ['-'];
    for (const c of consumers) {
      const k = `${r.pattern}\u0000${c}\u0000${r.side}`;
      if (!keys.has(k)) keys.set(k, []);
      keys.get(k)!.push(r);
    }
  }
  for (const [k, list] of keys) {
    const [pattern, consumer, side] = k.split('\u0000') as [Pattern, string, Side];
    // A failed run (a node failed, the camera was missing) has no figures worth a median: it is counted apart.
    const good = list.filter((r) => r.ok);
    const ds = good.flatMap((r) => r.deliveries.filter((d) => d.consumer === consumer).map((d) => ({ d, r })));
    const fpsOf = ({ d }: { d: { received: number; seconds: number } }): number =>
      d.seconds > 0 ? d.received / d.seconds : 0;
    const defined = (xs: (number | undefined)[]): number | undefined => {
      const v = xs.filter((x): x is number => x !== undefined);
      return v.length ? median(v) : undefined;
    };
    rows.push({
      pattern,
      consumer,
      side,
      runs: list.length,
      failed: list.filter((r) => !r.ok).length,
      fps: median(ds.map(fpsOf)),
      mbps: median(ds.map((x) => (fpsOf(x) * x.r.frameBytes) / 1e6)),
      lostMax: ds.length ? Math.max(...ds.map(({ d }) => d.lost)) : NaN,
      sent: median(ds.map(({ d }) => d.sent)),
      cpuS: defined(good.map((r) => r.cpuS)),
      rssMb: defined(good.map((r) => r.rssMb)),
      wallS: median(good.map((r) => r.wallS)),
      problems: [...new Set(list.map((r) => r.problem).filter((p): p is string => !!p))],
    });
  }
  for (const row of rows) {
    if (!row.side.startsWith('patchbay')) continue;
    const other = (side: Side): Row | undefined =>
      rows.find((r) => r.pattern === row.pattern && r.consumer === row.consumer && r.side === side);
    const ratio = (r: Row | undefined): number | undefined =>
      r && r.fps > 0 && row.fps > 0 ? row.fps / r.fps : undefined;
    row.vsCourse = ratio(other('course'));
    row.vsFast = ratio(other('fast'));
  }
  const order = (r: Row): string =>
    `${['reqrep', 'pushpull', 'pubsub'].indexOf(r.pattern)}${r.consumer === 'fft' ? 1 : 0}${['patchbay', 'patchbay-f32', 'course', 'fast'].indexOf(r.side)}`;
  return rows.sort((a, b) => order(a).localeCompare(order(b)));
}

const SIDE_NAMES: Record<Side, string> = {
  patchbay: 'patchbay',
  'patchbay-f32': 'patchbay (FFT float32)',
  course: 'Python (course: pickles)',
  fast: 'Python (fast: wire format)',
};
const PATTERN_NAMES: Record<Pattern, string> = { reqrep: 'REQ/REP', pushpull: 'PUSH/PULL', pubsub: 'PUB/SUB' };

const f = (x: number | undefined, digits = 1): string =>
  x === undefined || !Number.isFinite(x) ? 'n/a' : x.toFixed(digits);

/** The table as Markdown (what the terminal shows and docs/performance.md quotes). */
export function table(rows: Row[], patchbayNote = ''): string {
  const head = [
    'pattern',
    'consumer',
    'side',
    'frames/s',
    'MB/s',
    'lost (worst)',
    'CPU s',
    'peak RSS MB',
    'wall s',
    'patchbay ÷ this',
  ];
  const lines = [head, head.map(() => '---')];
  for (const r of rows) {
    const ratio = r.side.startsWith('patchbay') ? `course ×${f(r.vsCourse, 2)}, fast ×${f(r.vsFast, 2)}` : '';
    const lost = Number.isFinite(r.lostMax) ? `${r.lostMax} of ${r.sent}` : 'n/a';
    const fail = r.failed ? ` (${r.failed}/${r.runs} failed)` : '';
    const note = r.side.startsWith('patchbay') ? patchbayNote : '';
    lines.push([
      PATTERN_NAMES[r.pattern],
      r.consumer,
      SIDE_NAMES[r.side] + note + fail,
      f(r.fps),
      f(r.mbps, 0),
      lost,
      f(r.cpuS, 2),
      f(r.rssMb, 0),
      f(r.wallS, 2),
      ratio,
    ]);
  }
  return lines.map((l) => `| ${l.join(' | ')} |`).join('\n');
}

export interface Machine {
  cores: number;
  cpu: string;
  memoryGb: number;
  kernel: string;
  node: string;
  zeromqJs: string;
  python: string;
}

/** What the figures were measured on. */
export function machine(python: string): Machine {
  const py = spawnSync(
    python,
    [
      '-c',
      'import sys, zmq, numpy, h5py; print(sys.version.split()[0], "pyzmq", zmq.__version__, "libzmq", zmq.zmq_version(), "numpy", numpy.__version__, "h5py", h5py.__version__, "HDF5", h5py.version.hdf5_version)',
    ],
    { encoding: 'utf8' },
  );
  let zeromqJs = 'n/a';
  try {
    zeromqJs = (JSON.parse(readFileSync(join(ROOT, 'node_modules/zeromq/package.json'), 'utf8')) as { version: string })
      .version;
  } catch (err) {
    zeromqJs = `unreadable (${(err as Error).message})`;
  }
  return {
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round(totalmem() / 1e9),
    kernel: release(),
    node: process.version,
    zeromqJs,
    python: py.status === 0 ? py.stdout.trim() : `unavailable: ${py.stderr.trim().split('\n').pop()}`,
  };
}

interface NodeSummary {
  type: string;
  framesIn: number;
  framesOut: number;
  msPerFrame: number;
  bytesCopied: number;
  dropped: number;
}

/** Where patchbay's time goes: per node, median busy ms per frame and bytes copied per frame, from the run summaries. */
export function whereTimeGoes(runs: SideRun[]): string {
  const out: string[] = [];
  const groups = new Map<string, SideRun[]>();
  for (const r of runs) {
    if (!r.side.startsWith('patchbay') || !r.ok) continue;
    const k = `${r.pattern}${r.label ? ` ${r.label}` : ''} ${r.side}`;
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k)!.push(r);
  }
  for (const [k, list] of groups) {
    const per = new Map<string, { type: string; ms: number[]; copied: number[]; dropped: number[] }>();
    for (const r of list) {
      const nodes =
        (r.raw[0] as { summary?: { stats?: { nodes?: Record<string, NodeSummary> } } })?.summary?.stats?.nodes ?? {};
      for (const [id, n] of Object.entries(nodes)) {
        if (!per.has(id)) per.set(id, { type: n.type, ms: [], copied: [], dropped: [] });
        const p = per.get(id)!;
        p.ms.push(n.msPerFrame);
        p.copied.push(n.bytesCopied / Math.max(1, n.framesIn || n.framesOut));
        p.dropped.push(n.dropped);
      }
    }
    const parts = [...per].map(
      ([id, p]) =>
        `${id} (${p.type}) ${f(median(p.ms), 2)} ms${median(p.copied) > 0 ? `, copies ${f(median(p.copied) / 1e6, 1)} MB` : ''}${median(p.dropped) > 0 ? `, dropped ${median(p.dropped)}` : ''}`,
    );
    out.push(`${k}: ${parts.join('; ')}`);
  }
  return out.join('\n');
}
