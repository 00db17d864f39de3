/**
 * Sending end of stream where ZeroMQ may not deliver one message to each consumer: PUSH deals
 * round robin to pipes with room, PUB drops at the high-water mark.
 */
import type { Deferred, SocketSource } from './run-state.ts';
import { sleep } from './run-state.ts';
import type { SendQueue } from './send-queue.ts';

/** How long a publisher or ventilator keeps re-sending end of stream to consumers that have not confirmed it, ms. */
export const EOS_LIMIT_MS = 30_000;
/**
 * A topic no frame carries, which every patchbay SUB also subscribes to: a publisher tells the
 * subscribers that confirm end of stream (they leave at it) from outside scripts that may not.
 */
export const CONFIRMS_EOS = '\u0000patchbay:confirms-eos';
/**
 * Subscriptions that start with this are patchbay's words to publishers, never a topic: no
 * frame carries them, and a publisher does not count them as subscribers.
 */
export const CONTROL_PREFIX = '\u0000patchbay:';
/**
 * A patchbay subscriber fed by several publishers (a bound Subscribe) stays subscribed after
 * one publisher's end of stream, waiting for the others: it subscribes to this followed by the
 * end of stream's `from`, so that publisher knows it was heard and stops sending it again.
 */
export const EOS_SEEN = '\u0000patchbay:eos-seen:';
/** Pause between re-sent end-of-stream messages, ms. */
const EOS_REPEAT_MS = 5;
/** The gap between end-of-stream messages sent again for outside peers, which cannot confirm, ms. */
export const OUTSIDE_EOS_GAP_MS = 20;

type Parts = (Buffer | Uint8Array | string)[];

/** Sends unless `ms` pass or the run is forced to end first; true when sent. */
export async function sendWithin(q: SendQueue, parts: Parts, ms: number, forced: Deferred<void>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((r) => (timer = setTimeout(() => r(false), ms)));
  const sent = q.send(parts).then(() => true);
  try {
    return await Promise.race([sent, timeout, forced.promise.then(() => false)]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * End of stream for a socket with several consumers. One EOS per consumer may miss a slow
 * one: re-send until every consumer in the graph confirms (a consumer closes its socket at
 * its EOS, which takes it out of the rotation). Outside consumers get one or more.
 */
export async function repeatEos(
  q: SendQueue,
  parts: () => Parts,
  consumers: SocketSource[],
  forced: Deferred<void>,
): Promise<void> {
  if (consumers.length === 0) {
    await sendWithin(q, parts(), EOS_LIMIT_MS, forced);
    return;
  }
  const all = Promise.all(consumers.map((c) => c.ended.promise));
  let confirmed = false;
  void all.then(() => (confirmed = true));
  const deadline = Date.now() + EOS_LIMIT_MS;
  while (!confirmed && !forced.settled && Date.now() < deadline) {
    await Promise.race([sendWithin(q, parts(), EOS_LIMIT_MS, forced), all]);
    if (confirmed) break;
    await Promise.race([sleep(EOS_REPEAT_MS), all]);
  }
}
