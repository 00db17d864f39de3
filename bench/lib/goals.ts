/**
 * Issue 18's goals, each as a ratio to its anchor measured in the same run (bench/main.ts
 * --goals): the patterns from main's own rows, the rest from the topic benches' results
 * (bench/results/hdf5.json, fft.json, camera.json, written by the runs main starts just
 * before) and the machine's limits (limits.ts). A goal whose figures are missing says so.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Limits } from './limits.ts';
import { ROOT } from './pipelines.ts';
import { median, type Row } from './report.ts';

export interface Goal {
  goal: string;
  patchbay: string;
  anchor: string;
  /** patchbay over the anchor, as a speed (higher is better) unless `lowerIsBetter`. */
  ratio?: number;
  target: number;
  lowerIsBetter?: boolean;
  met?: boolean;
}

const RESULTS = join(ROOT, 'bench/results');

function read<T>(dir: string, name: string): T | undefined {
  const file = join(dir, `${name}.json`);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as T) : undefined;
}

interface Hdf5Results {
  results: {
    variant: string;
    frames: number;
    medianMBps: number;
    /** MB/s of each repetition, in the order they ran (the same for every variant). */
    mbps: number[];
    ratioToAnchor?: number;
    medianCpuMs?: number;
    cpuRatioToAnchor?: number;
    lost: number[];
  }[];
}
interface FftResults {
  transforms: { size: string; fftwRfft2Ms: number | null; exactHalfMs: number; exactComplexMs: number }[];
  pool: {
    size: string;
    one: {
      fps: number;
      workerMs: number;
      workerMedianMs?: number;
      transformMs?: number;
      outputs?: number;
      ratioInTurns?: number;
      aloneInStageWorkers?: boolean;
    };
    two: { fps: number; workerMs: number };
  }[];
  half1024Two?: { fps: number };
  parallel1024Fps?: number;
  stepInTurns?: { warm: number; cold: number; warmMs: number; coldMs: number; ms2048: number } | null;
}
interface CameraResults {
  rows: { source: string; format: string; mode: string; fps: number; vsPoolInTurns?: number }[];
}

const x = (r: number | undefined) => (r === undefined ? 'n/a' : `×${r.toFixed(2)}`);

function goal(g: Omit<Goal, 'met'>): Goal {
  const met = g.ratio === undefined ? undefined : g.lowerIsBetter ? g.ratio <= g.target : g.ratio >= g.target;
  return { ...g, met };
}

/** The goals from main's rows, the limits, and the topic benches' results in `dir`. */
export function goals(rows: Row[], limits: Limits | undefined, dir = RESULTS): Goal[] {
  const out: Goal[] = [];
  const h5 = read<Hdf5Results>(dir, 'hdf5');
  const stage = h5?.results.find((r) => r.variant.startsWith('HDF5Sink stage') && !r.variant.includes('gzip'));
  const h5py = h5?.results.find((r) => r.variant.startsWith('h5py') && !r.variant.includes('gzip'));
  out.push(
    goal({
      goal: `Camera → disk vs h5py appending the same frames${stage ? ` (${stage.frames} of 2 MiB)` : ''}`,
      patchbay: stage ? `${stage.medianMBps.toFixed(0)} MB/s, lost ${Math.max(...stage.lost)}` : 'n/a',
      anchor: h5py ? `h5py ${h5py.medianMBps.toFixed(0)} MB/s` : 'n/a',
      ratio: stage?.ratioToAnchor,
      target: 1.0,
    }),
  );
  out.push(
    goal({
      goal: 'Camera → disk: CPU per frame vs h5py’s',
      patchbay: stage?.medianCpuMs !== undefined ? `${stage.medianCpuMs.toFixed(2)} ms` : 'n/a',
      anchor: h5py?.medianCpuMs !== undefined ? `h5py ${h5py.medianCpuMs.toFixed(2)} ms` : 'n/a',
      ratio: stage?.cpuRatioToAnchor,
      target: 1.0,
      lowerIsBetter: true,
    }),
  );
  // The page cache, and (hours of recording outrun any page cache) the disk's own pace. The
  // page cache's pace moves minute to minute: the stage is compared with the dd that ran in
  // its turn in the same HDF5 bench, run by run, where there is one.
  const dd = h5?.results.find((r) => r.variant.startsWith('dd '));
  const paired =
    stage && dd && dd.mbps.length === stage.mbps.length ? median(stage.mbps.map((x, k) => x / dd.mbps[k])) : undefined;
  if (paired !== undefined)
    out.push(
      goal({
        goal: 'Camera → disk vs dd in turns with it (the same bytes and directory)',
        patchbay: `${stage!.medianMBps.toFixed(0)} MB/s`,
        anchor: `dd ${dd!.medianMBps.toFixed(0)} MB/s${limits?.ddPageCacheGBps ? ` (the limits' dd: ${(limits.ddPageCacheGBps * 1000).toFixed(0)})` : ''}`,
        ratio: paired,
        target: 0.8,
      }),
    );
  const ddRows: [string, number | undefined][] = [
    ['into the page cache', limits?.ddPageCacheGBps],
    ['with fdatasync (the disk’s own pace)', limits?.ddFdatasyncGBps],
  ];
  for (const [how, gbps] of ddRows)
    out.push(
      goal({
        goal: `Camera → disk vs dd ${how}`,
        patchbay: stage ? `${stage.medianMBps.toFixed(0)} MB/s` : 'n/a',
        anchor: gbps ? `dd ${(gbps * 1000).toFixed(0)} MB/s (${limits?.ddBlocks ?? '?'} × 2 MiB)` : 'n/a (--limits)',
        ratio: stage && gbps ? stage.medianMBps / (gbps * 1000) : undefined,
        target: 0.8,
      }),
    );
  const fft = read<FftResults>(dir, 'fft');
  for (const size of ['1024x1024', '480x640', '1200x1920']) {
    const t = fft?.transforms.find((r) => r.size === size);
    out.push(
      goal({
        goal: `FFT ${size} vs FFTW r2c, float64, 1 thread`,
        patchbay: t ? `${t.exactHalfMs.toFixed(2)} ms` : 'n/a',
        anchor: t?.fftwRfft2Ms ? `FFTW ${t.fftwRfft2Ms.toFixed(2)} ms` : 'n/a (pyfftw)',
        ratio: t?.fftwRfft2Ms ? t.fftwRfft2Ms / t.exactHalfMs : undefined,
        target: 0.8,
      }),
    );
  }
  const fftw2 = limits?.fftw1024Ms?.threads2;
  const fftw2Anchor = fftw2 ? `FFTW ${fftw2.toFixed(2)} ms: ${(1000 / fftw2).toFixed(0)} frames/s` : 'n/a (--limits)';
  out.push(
    goal({
      goal: 'FFT 1024², half spectrum, on 2 cores (a process each) vs FFTW r2c on 2 threads',
      patchbay: fft?.parallel1024Fps ? `${fft.parallel1024Fps.toFixed(0)} frames/s` : 'n/a',
      anchor: fftw2Anchor,
      ratio: fft?.parallel1024Fps && fftw2 ? (fft.parallel1024Fps * fftw2) / 1000 : undefined,
      target: 0.8,
    }),
  );
  out.push(
    goal({
      goal: 'FFT stage 1024², half spectrum, 2 workers vs FFTW r2c on 2 threads',
      patchbay: fft?.half1024Two ? `${fft.half1024Two.fps.toFixed(0)} frames/s` : 'n/a',
      anchor: fftw2Anchor,
      ratio: fft?.half1024Two && fftw2 ? (fft.half1024Two.fps * fftw2) / 1000 : undefined,
      target: 0.8,
    }),
  );
  // N log N from 1024² to 2048²: 4 times the pixels, 22/20 the stages' work per pixel. Both
  // sizes in turns (bench/fft.ts stepInTurns), so the machine's drift between the sizes'
  // medians, measured minutes apart, is not in the ratio; against the warm 1024² (a loop over
  // one buffer, as the medians), the cold one beside it. Without the native path: the medians.
  // FFTW's own step (its medians) beside it: how much of the step is the machine's memory.
  const t1 = fft?.transforms.find((r) => r.size === '1024x1024');
  const t2 = fft?.transforms.find((r) => r.size === '2048x2048');
  const fftwStep = t1?.fftwRfft2Ms && t2?.fftwRfft2Ms ? t2.fftwRfft2Ms / (t1.fftwRfft2Ms * 4 * 1.1) : undefined;
  const medians = t1 && t2 ? t2.exactHalfMs / (t1.exactHalfMs * 4 * 1.1) : undefined;
  const turns = fft?.stepInTurns ?? undefined;
  const fftwText = fftwStep
    ? `; FFTW's own step ×${fftwStep.toFixed(2)}, its 2048² ${t2!.fftwRfft2Ms!.toFixed(2)} ms`
    : '';
  out.push(
    goal({
      goal: 'FFT 2048² vs 1024² scaled by N log N (1 thread, float64, half; in turns)',
      patchbay: turns ? `${turns.ms2048.toFixed(2)} ms` : t2 ? `${t2.exactHalfMs.toFixed(2)} ms` : 'n/a',
      anchor: turns
        ? `${(turns.warmMs * 4 * 1.1).toFixed(2)} ms (1024² warm ${turns.warmMs.toFixed(2)} ms; against a cold 1024² ×${turns.cold.toFixed(2)}; the medians' ×${medians?.toFixed(2) ?? 'n/a'}${fftwText})`
        : t1
          ? `${(t1.exactHalfMs * 4 * 1.1).toFixed(2)} ms (1024²: ${t1.exactHalfMs.toFixed(2)} ms, the medians, not in turns${fftwText})`
          : 'n/a',
      ratio: turns ? turns.warm : medians,
      target: 1.1,
      lowerIsBetter: true,
    }),
  );
  for (const p of fft?.pool ?? []) {
    // The transform alone in turns with the stage's frames, in the stage's own worker
    // (bench/fft.ts poolFps; in its process on the main thread before aloneInStageWorkers);
    // results from before that: the complex output's median, minutes apart.
    const alone = p.one.transformMs;
    const t = fft!.transforms.find((r) => r.size === p.size);
    const anchorMs = alone ?? t?.exactComplexMs;
    // The median frame's worker time against the median transform alone of the same round,
    // the median over rounds; results from before that: the stage's mean over the whole run.
    const stageMs = p.one.workerMedianMs ?? p.one.workerMs;
    const ratio = p.one.ratioInTurns ?? (anchorMs ? p.one.workerMs / anchorMs : undefined);
    out.push(
      goal({
        goal: `FFT stage ${p.size}: CPU per frame vs its transform's (1 thread, magnitude)`,
        patchbay: `${stageMs.toFixed(2)} ms${p.one.workerMedianMs === undefined ? '' : ' (median frame)'}`,
        anchor: anchorMs
          ? `transform ${anchorMs.toFixed(2)} ms${alone ? ', in turns' : ''}${p.one.aloneInStageWorkers ? ' in the stage’s worker' : ''}${p.one.outputs ? `, into ${p.one.outputs} outputs in turn` : ''}`
          : 'n/a',
        ratio,
        target: 1.1,
        lowerIsBetter: true,
      }),
    );
  }
  const fast = (pattern: string, consumer: string) =>
    rows.find((r) => r.pattern === pattern && r.consumer === consumer && r.side === 'fast');
  for (const r of rows.filter((r) => r.side === 'patchbay')) {
    const f = fast(r.pattern, r.consumer);
    out.push(
      goal({
        goal: `${r.pattern} (${r.consumer}) vs the fast Python`,
        patchbay: `${r.fps.toFixed(1)} frames/s, lost ${r.lostMax}${r.rssMb ? `, RSS ${r.rssMb.toFixed(0)} MB` : ''}`,
        anchor: f ? `${f.fps.toFixed(1)} frames/s${f.rssMb ? `, RSS ${f.rssMb.toFixed(0)} MB` : ''}` : 'n/a',
        ratio: r.vsFast,
        target: 1.5,
      }),
    );
  }
  const cam = read<CameraResults>(dir, 'camera');
  for (const format of ['Mono8', 'Mono16']) {
    // The stage as HDF5Sink and FFT consumers get it: frames given back, the addon's pool.
    const st = cam?.rows.find(
      (r) => r.format === format && r.source === 'emulator via Camera stage' && r.mode === 'lent',
    );
    const pool = cam?.rows.find((r) => r.format === format && r.source === 'emulator' && r.mode === 'pool');
    out.push(
      goal({
        goal: `Camera stage ${format} 1024² vs the addon's pool mode`,
        patchbay: st ? `${st.fps.toFixed(0)} frames/s` : 'n/a',
        anchor: pool ? `pool ${pool.fps.toFixed(0)} frames/s${st?.vsPoolInTurns ? ', in turns' : ''}` : 'n/a',
        // Run by run in turns where the bench did so; else the two medians.
        ratio: st?.vsPoolInTurns ?? (st && pool ? st.fps / pool.fps : undefined),
        target: 0.9,
      }),
    );
  }
  return out;
}

export function goalsTable(gs: Goal[]): string {
  return [
    '| goal | patchbay | anchor | ratio | target | met |',
    '| --- | --- | --- | --- | --- | --- |',
    ...gs.map(
      (g) =>
        `| ${g.goal} | ${g.patchbay} | ${g.anchor} | ${x(g.ratio)} | ${g.lowerIsBetter ? '≤' : '≥'} ${g.target} | ${g.met === undefined ? '?' : g.met ? 'yes' : 'no'} |`,
    ),
  ].join('\n');
}
