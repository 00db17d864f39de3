/**
 * patchbay side by side with the course's Python pipelines (REQ/REP, PUSH/PULL ventilator →
 * FFT workers → sink, PUB/SUB with an FFT subscriber and an HDF5 subscriber), on the same
 * frames, in turns, several repetitions, medians. See docs/performance.md.
 *
 *   node bin/run-ts.js bench/main.ts [--quick] [--all] [--reps N] [--frames N] [--fps N] [--pattern P,...] [--side S,...]
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { canMeasure } from './lib/proc.ts';
import {
  configFromGraph,
  hasFft,
  patchbayRunnable,
  PATTERNS,
  ROOT,
  runPatchbay,
  runPython,
  SIDES,
  type Pattern,
  type PatternConfig,
  type Side,
  type SideRun,
} from './lib/pipelines.ts';
import { goals, goalsTable } from './lib/goals.ts';
import { limitsTable, measureLimits, type Limits } from './lib/limits.ts';
import { machine, summarize, table, whereTimeGoes } from './lib/report.ts';

const USAGE = `usage: node bin/run-ts.js bench/main.ts [options]

Runs each pattern's patchbay graph (bench/graphs/) and the course's Python programs
(bench/python/course_*.py) in turns, and prints one table of medians.

  --quick           fewer frames and one repetition; implies --goals --limits: done in a few minutes
  --goals           then run the hdf5, fft and camera benches and print issue 18's goals, each
                    as a ratio to its anchor measured in this run (bench/lib/goals.ts); implies
                    --tmpfs
  --tmpfs           PUB/SUB once more, its recorders writing into a tmpfs (/dev/shm): where the
                    disk's file system holds a recorder back, what it takes without it (its
                    rows: consumer "recorder in tmpfs")
  --limits          measure the machine's limits in the same run: memcpy, dd into the page cache
                    and with fdatasync, pwrite by one writer and by two, FFTW, raw ZeroMQ
                    (bench/lib/limits.ts)
  --all             then run the per-topic benches (bench/<topic>.ts) in sequence
  --reps N          repetitions of each side (default 3; --quick 1)
  --frames N        frames per run instead of the graph's (the graphs say 200, PUB/SUB 1000)
  --fps N           PUB/SUB: the camera's and the Python publisher's rate instead of the
                    graph's 1000 frames/s (above what every subscriber takes, so the table
                    shows how many frames each can take; below, what each keeps of a stream)
  --pattern LIST    reqrep,pushpull,pubsub (default all)
  --side LIST       patchbay,patchbay-f32,course,fast (default all)
                    patchbay: the graphs as written (FFT exact: float64, as numpy);
                    patchbay-f32: FFT nodes at precision fast (float32), FFT patterns only;
                    course: Python sending pickles; fast: Python sending the wire format
  --inproc          patchbay's graphs with inproc:// instead of tcp:// endpoints (same sockets,
                    no loopback TCP; outside programs could not join): what that transport costs
  --python PATH     the Python with pyzmq, numpy, h5py (default /usr/bin/python3)
  --out FILE        where the JSON results go (default bench/results/main.json)
  --help            this text
`;

/** The other engineers' benches that --all runs, in this order. */
const TOPICS = ['runtime-hop', 'camera', 'fft', 'hdf5', 'curve'];
/** The benches whose results --goals reads (bench/results/<topic>.json). */
const GOAL_TOPICS = ['hdf5', 'fft', 'camera'];

function list<T extends string>(value: string | undefined, all: readonly T[], what: string): T[] {
  if (value === undefined) return [...all];
  const items = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const i of items)
    if (!(all as readonly string[]).includes(i))
      throw new UsageError(`--${what}: expected one of ${all.join(', ')}, received ${JSON.stringify(i)}`);
  return items as T[];
}

class UsageError extends Error {
  readonly code = 'BAD_ARGUMENT';
}

function positiveInt(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1)
    throw new UsageError(`--${name}: expected a positive integer, received ${JSON.stringify(value)}`);
  return n;
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      all: { type: 'boolean', default: false },
      goals: { type: 'boolean', default: false },
      limits: { type: 'boolean', default: false },
      inproc: { type: 'boolean', default: false },
      tmpfs: { type: 'boolean', default: false },
      reps: { type: 'string' },
      frames: { type: 'string' },
      fps: { type: 'string' },
      pattern: { type: 'string' },
      side: { type: 'string' },
      python: { type: 'string', default: existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3' },
      out: { type: 'string', default: join(ROOT, 'bench/results/main.json') },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const reps = positiveInt(values.reps, 'reps', values.quick ? 1 : 3);
  const patterns = list<Pattern>(values.pattern, PATTERNS, 'pattern');
  const sides = list<Side>(values.side, SIDES, 'side');
  const framesArg = values.frames === undefined ? undefined : positiveInt(values.frames, 'frames', 1);
  const fpsArg = values.fps === undefined ? undefined : positiveInt(values.fps, 'fps', 1);

  const outDir = mkdtempSync(join(tmpdir(), 'patchbay-bench-'));
  const runs: SideRun[] = [];
  const pbWhy = sides.some((s) => s.startsWith('patchbay')) ? patchbayRunnable() : undefined;
  if (pbWhy) process.stdout.write(`patchbay side: not run, ${pbWhy}\n`);
  if (!canMeasure) process.stdout.write('CPU and memory: n/a, /usr/bin/time (GNU time) is not installed\n');

  const wantGoals = values.goals! || values.quick!;
  // Each pass: a pattern, and the directory its recorders write into.
  const passes: { pattern: Pattern; files: string; label?: string }[] = patterns.map((p) => ({
    pattern: p,
    files: join(outDir, p),
  }));
  if ((values.tmpfs || wantGoals) && patterns.includes('pubsub')) {
    const why = tmpfsProblem(TMPFS);
    if (why) process.stdout.write(`PUB/SUB in tmpfs: not run, ${why}\n`);
    else passes.push({ pattern: 'pubsub', files: mkdtempSync(join(TMPFS, 'patchbay-bench-')), label: 'in tmpfs' });
  }

  try {
    for (const { pattern, files, label } of passes) {
      const fromGraph = configFromGraph(pattern);
      const quickFrames = pattern === 'pubsub' ? 200 : 60;
      const cfg: PatternConfig = {
        ...fromGraph,
        frames: framesArg ?? (values.quick ? Math.min(quickFrames, fromGraph.frames) : fromGraph.frames),
        fps: pattern === 'pubsub' && fpsArg !== undefined ? fpsArg : fromGraph.fps,
        outDir: files,
        portBase: 5600,
        inproc: values.inproc,
        timeoutMs: 120_000,
        python: values.python!,
      };
      for (let rep = 0; rep < reps; rep++) {
        // In turns: each repetition starts with the next side, so no side always runs on a warm (or hot) machine.
        const order = sides
          .map((_, i) => sides[(i + rep) % sides.length])
          .filter((s) => !(s.startsWith('patchbay') && pbWhy) && !(s === 'patchbay-f32' && !hasFft(pattern)));
        for (const side of order) {
          const ran =
            side === 'patchbay' || side === 'patchbay-f32' ? await runPatchbay(cfg, side) : await runPython(cfg, side);
          // A labelled pass counts its recorder alone, as a consumer of its own.
          const run = label
            ? {
                ...ran,
                label,
                deliveries: ran.deliveries
                  .filter((d) => d.consumer === 'recorder')
                  .map((d) => ({ ...d, consumer: `${d.consumer} ${label}` })),
              }
            : ran;
          runs.push(run);
          // Recorded frames are not what is measured next: give the disk back between runs.
          rmSync(cfg.outDir, { recursive: true, force: true });
          const d = run.deliveries[0];
          const rate =
            d && d.seconds > 0 ? `${(d.received / d.seconds).toFixed(1)} frames/s, lost ${d.lost}` : 'no figures';
          process.stdout.write(
            `${pattern}${label ? ` ${label}` : ''} ${side} #${rep + 1}: ${rate}${run.problem ? ` — ${run.problem}` : ''}\n`,
          );
        }
      }
    }
  } finally {
    rmSync(outDir, { recursive: true, force: true });
    for (const { files, label } of passes) if (label) rmSync(files, { recursive: true, force: true });
  }

  const rows = summarize(runs);
  const mach = machine(values.python!);
  const quick = values.quick!;
  let limits: Limits | undefined;
  if (values.limits || quick) {
    process.stdout.write(`\nmeasuring the machine's limits…\n`);
    // One repetition asked for (the tests): one light measurement of each limit.
    limits = await measureLimits({ python: values.python!, quick, light: reps === 1 && !quick });
  }
  let code = runs.some((r) => !r.ok) ? 1 : 0;
  if (wantGoals) code = Math.max(code, await runTopics(quick, GOAL_TOPICS));
  process.stdout.write(`\n${table(rows, values.inproc ? ' [inproc]' : '')}\n\n`);
  const where = whereTimeGoes(runs);
  if (where) process.stdout.write(`where patchbay's time goes (busy ms per frame, per node, medians):\n${where}\n\n`);
  if (limits) process.stdout.write(`the machine's limits (medians):\n${limitsTable(limits)}\n\n`);
  const goalRows = wantGoals ? goals(rows, limits) : undefined;
  if (goalRows)
    process.stdout.write(`issue 18's goals, each against its anchor in this run:\n${goalsTable(goalRows)}\n\n`);
  process.stdout.write(
    `${mach.cores} cores (${mach.cpu}), ${mach.memoryGb} GB, Node ${mach.node}, zeromq.js ${mach.zeromqJs}, Python ${mach.python}\n`,
  );
  mkdirSync(join(values.out!, '..'), { recursive: true });
  writeFileSync(
    values.out!,
    JSON.stringify(
      {
        command: `node bin/run-ts.js bench/main.ts ${argv.join(' ')}`.trim(),
        date: new Date().toISOString(),
        machine: mach,
        reps,
        inproc: values.inproc,
        rows,
        runs,
        limits,
        goals: goalRows,
      },
      null,
      2,
    ),
  );
  process.stdout.write(`results: ${values.out}\n`);

  if (values.all)
    code = Math.max(
      code,
      await runTopics(
        quick,
        TOPICS.filter((t) => !(wantGoals && GOAL_TOPICS.includes(t))),
      ),
    );
  return code;
}

/** Where --tmpfs writes: the tmpfs every Linux system mounts. */
const TMPFS = '/dev/shm';

/** Why `dir` cannot take --tmpfs's files (not a tmpfs, too small), or undefined. */
function tmpfsProblem(dir: string): string | undefined {
  const mount = readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .map((l) => l.split(' '))
    .find((f) => f[1] === dir);
  if (!mount) return `${dir} is not mounted`;
  if (mount[2] !== 'tmpfs') return `${dir} is ${mount[2]}, not tmpfs`;
  const { bavail, bsize } = statfsSync(dir);
  // A recorder's file of up to 1000 frames of 2 MiB (the graph's), and room to spare.
  const need = 3 * 2 ** 30;
  if (bavail * bsize < need) return `${dir} has ${((bavail * bsize) / 2 ** 30).toFixed(1)} GiB free, under 3`;
  return undefined;
}

/** Runs bench/<topic>.ts for each topic that exists, one after the other. */
async function runTopics(quick: boolean, topics: string[]): Promise<number> {
  let code = 0;
  for (const topic of topics) {
    const file = join(ROOT, 'bench', `${topic}.ts`);
    if (!existsSync(file)) {
      process.stdout.write(`\n${topic}: skipped, bench/${topic}.ts does not exist yet\n`);
      continue;
    }
    process.stdout.write(`\n== bench/${topic}.ts ==\n`);
    const child = spawn(process.execPath, [join(ROOT, 'bin/run-ts.js'), file, ...(quick ? ['--quick'] : [])], {
      cwd: ROOT,
      stdio: 'inherit',
    });
    const rc = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? 1)));
    if (rc !== 0) {
      process.stdout.write(`${topic}: exited with ${rc}\n`);
      code = 1;
    }
  }
  return code;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`${(err as Error).message}\n\n${USAGE}`);
      process.exitCode = 2;
      return;
    }
    throw err;
  },
);
