/**
 * Watches the event loop from a chain of setImmediate callbacks: the most that `count()` grew
 * between two of its turns. A source that lets the loop in after every frame reads 1 or 2 (2
 * where a turn falls between a frame and its yield); one that does so every 64 frames, 64.
 */
export function watchTurns(count: () => number): { stop(): number } {
  let seen = count();
  let most = 0;
  let running = true;
  const watch = (): void => {
    const now = count();
    most = Math.max(most, now - seen);
    seen = now;
    if (running) setImmediate(watch);
  };
  setImmediate(watch);
  return {
    stop: () => {
      running = false;
      return most;
    },
  };
}
