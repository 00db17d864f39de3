/**
 * Sending to the graph's own nodes on other hosts (placement): what happens when they go. A peer
 * that leaves before the end of stream is said once (PEER_LOST) and waited for. A send to a peer
 * that is not there waits for ever (PUSH blocks with no pipe or a full one); once the run is
 * stopping and no peer is connected, what waits is given up and counted as lost, so the source
 * can stop and the half end on one Ctrl-C.
 */
import type { PlanSocket } from '../../compile/plan.ts';
import type { RunContext } from '../context.ts';
import { ExecError } from '../errors.ts';
import { deferred, type Runner } from '../run-state.ts';
import type { SendQueue } from '../send-queue.ts';

type Parts = Parameters<SendQueue['send']>[0];

export interface AwaySender {
  /** Sends through the queue, or gives up (counted lost) once stranded. */
  send(parts: Parts): Promise<void>;
  /** A peer left; `short`: too few of the graph's peers on other hosts are left. Says PEER_LOST (before the end of stream) and looks whether the sends are stranded. */
  left(short: boolean): void;
  /** End of stream begins: a peer leaving after it is no loss. */
  ending(): void;
}

/**
 * `away`: the graph's nodes on other hosts this socket sends to ("worker on analysis-pc"), none
 * when its peers are not those; `peers`: how many peers are connected now.
 */
export function awaySender(
  ctx: RunContext,
  r: Runner,
  s: PlanSocket,
  q: SendQueue,
  away: string[],
  peers: () => number,
): AwaySender {
  let abandoned = false;
  let ending = false;
  const gone = deferred<void>();
  const check = (): void => {
    if (!away.length || peers() > 0 || !ctx.stopping || gone.settled) return;
    r.flow.lost += q.depth;
    abandoned = true;
    gone.resolve();
  };
  if (away.length) ctx.signal.addEventListener('abort', check, { once: true });
  return {
    send(parts) {
      if (abandoned) {
        r.flow.lost++;
        return Promise.resolve();
      }
      return away.length ? Promise.race([q.send(parts), gone.promise]) : q.send(parts);
    },
    left(short) {
      if (away.length && short && !ending && !ctx.stopping)
        ctx.problems.warn(
          r,
          new ExecError(
            'PEER_LOST',
            `lost ${away.join(', ')} (${s.endpoint}): frames wait for it to come back; Ctrl-C stops`,
            r.node.id,
          ),
        );
      check();
    },
    ending() {
      ending = true;
    },
  };
}
