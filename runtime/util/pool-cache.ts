/**
 * Worker pools kept from one run to the next in a process (the editor's server runs graph after
 * graph). A worker thread loads its TypeScript through tsx, whose esbuild child process is left
 * a zombie when the thread ends: nothing left in the process reaps it. A new pool per run left
 * two zombie processes per FFT node per run, for as long as the server lived. Pools whose task
 * file keeps no state of a run are borrowed and given back instead; idle ones hold no event loop.
 */
import type { Piscina } from 'piscina';

/** Idle pools kept per kind; more than this many at once (a graph with many FFT nodes) are destroyed. */
const KEEP = 4;
const idle = new Map<string, Piscina<never, never>[]>();

/** An idle pool of this kind (same task file and threads), or a new one. */
export function borrowPool<T, R>(kind: string, create: () => Piscina<T, R>): Piscina<T, R> {
  const kept = idle.get(kind)?.pop();
  return kept ? (kept as unknown as Piscina<T, R>) : create();
}

/** Gives a pool back once its run is done with it. */
export async function returnPool<T, R>(kind: string, pool: Piscina<T, R>): Promise<void> {
  const list = idle.get(kind) ?? [];
  if (list.length >= KEEP) return pool.destroy();
  list.push(pool as unknown as Piscina<never, never>);
  idle.set(kind, list);
}
