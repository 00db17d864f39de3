/**
 * Sending to the graph's own nodes on other hosts (placement): what a stop does when they are
 * gone. A send to a peer that is not there waits for ever (PUSH blocks with no pipe or a full
 * one); once the run is stopping and no peer is connected, what waits is given up and counted
 * as lost, so the source can stop and the half end on one Ctrl-C.
 */
import type { RunContext } from '../context.ts';
import { deferred, type Runner } from '../run-state.ts';
import type { SendQueue } from '../send-queue.ts';

type Parts = Parameters<SendQueue['send']>[0];

export interface AwaySender {
  /** Sends through the queue, or gives up (counted lost) once stranded. */
  send(parts: Parts): Promise<void>;
  /** Looks again whether the sends are stranded (call it when a peer leaves). */
  check(): void;
}

/** `away`: whether the socket's peers are the graph's nodes on other hosts; `peers`: how many are connected now. */
export function awaySender(ctx: RunContext, r: Runner, q: SendQueue, away: boolean, peers: () => number): AwaySender {
  let abandoned = false;
  const gone = deferred<void>();
  const check = (): void => {
    if (!away || peers() > 0 || !ctx.stopping || gone.settled) return;
    r.flow.lost += q.depth;
    abandoned = true;
    gone.resolve();
  };
  if (away) ctx.signal.addEventListener('abort', check, { once: true });
  return {
    check,
    send(parts) {
      if (abandoned) {
        r.flow.lost++;
        return Promise.resolve();
      }
      return away ? Promise.race([q.send(parts), gone.promise]) : q.send(parts);
    },
  };
}
