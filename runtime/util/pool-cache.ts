/**
 * Worker pools kept from one run to the next in a process (the editor's server runs graph after
 * graph). A worker thread loads its TypeScript through tsx, whose esbuild child process is left
 * a zombie when the thread ends: nothing left in the process reaps it. A new pool per run left
 * two zombie processes per FFT node per run, for as long as the server lived. Pools whose task
 * file keeps no state of a run are borrowed and given back instead; idle ones hold no event loop.
 */
import type { Piscina } from 'piscina';

/** Idle pools kept in all; past that, the one idle longest is destroyed (a graph with many FFT nodes, a script edited again and again). */
const KEEP = 4;
const idle: { kind: string; pool: Piscina<never, never> }[] = [];

/** An idle pool of this kind (same task file, threads and whatever else the caller puts in `kind`), or a new one. */
export function borrowPool<T, R>(kind: string, create: () => Piscina<T, R>): Piscina<T, R> {
  const i = idle.findLastIndex((x) => x.kind === kind);
  if (i < 0) return create();
  const [kept] = idle.splice(i, 1);
  return kept.pool as unknown as Piscina<T, R>;
}

/** Gives a pool back once its run is done with it. */
export async function returnPool<T, R>(kind: string, pool: Piscina<T, R>): Promise<void> {
  idle.push({ kind, pool: pool as unknown as Piscina<never, never> });
  if (idle.length > KEEP) await idle.shift()!.pool.destroy();
}

/**
 * Piscina's class, imported when a stage first needs a pool: a package imported statically is
 * hoisted to the top of a bundle (the CLI's, the bench's), so every run loaded Piscina, pools
 * or none (about 3 MB of a REQ/REP run's peak RSS).
 */
export async function loadPiscina(): Promise<typeof Piscina> {
  return (await import('piscina')).Piscina;
}
