/**
 * Frames by reference between sockets of one run that only the graph's own peers share (their
 * inproc names): the message carries "#<id>" and the receiver takes the Frame object itself,
 * so no payload goes through ZeroMQ (whose received buffers each cost the garbage collector).
 */
import { randomBytes } from 'node:crypto';
import type { Frame } from '../wire/index.ts';
import type { SocketSource } from './run-state.ts';

/**
 * Frames an in-graph publisher handed to its in-graph subscribers by reference, oldest first.
 * A reference is kept until every in-graph subscriber has read past it (PUB delivers in
 * order, dropping at the high-water mark), and at most `window` of them.
 */
export interface RefFeed {
  pending: number[];
  subs: Set<SocketSource>;
  /**
   * References kept for a subscriber that has stopped reading: twice what a subscriber's
   * queue can hold (the publisher's and the subscriber's high-water marks) plus some slack,
   * so no frame ZeroMQ still queues for it is let go. Past that, a subscriber that reads
   * again finds the oldest frames of its queue gone, counted as dropped.
   */
  window: number;
}

/** Slack on top of the queues' depth in RefFeed.window. */
const REF_SLACK = 16;

export class RefTable {
  /**
   * What a Request node sends when it dials the graph's own Reply in process: the Reply answers
   * with `["#<id>"]` and the Request takes the frame itself. Any other request gets the frame's
   * bytes. The run's own token: an outside client on the Reply's endpoint cannot ask for it.
   */
  readonly request = `{"v":1,"kind":"request","byRef":"${randomBytes(8).toString('hex')}"}`;
  private readonly refs = new Map<number, { frame: Frame; feed?: RefFeed }>();
  private next = 0;
  private readonly feeds: { feed: RefFeed; inproc: string }[] = [];

  /** A publisher's feed to the subscribers that dial `inproc`, for queues of these depths. */
  feed(inproc: string, pubHwm: number, subHwm: number): RefFeed {
    const feed: RefFeed = { pending: [], subs: new Set(), window: 2 * (pubHwm + subHwm) + REF_SLACK };
    this.feeds.push({ feed, inproc });
    return feed;
  }

  /** Once every socket is open: each feed learns its in-graph subscribers. */
  subscribe(sources: readonly SocketSource[]): void {
    for (const f of this.feeds)
      for (const src of sources) if (src.plan.type === 'SUB' && src.plan.inproc === f.inproc) f.feed.subs.add(src);
  }

  /** The message that hands `frame` to an in-graph peer by reference ("#<id>", after the topic for PUB). */
  ref(frame: Frame, topic?: string, feed?: RefFeed): string[] {
    const id = this.next++;
    this.refs.set(id, { frame, feed });
    if (feed) {
      feed.pending.push(id);
      while (feed.pending.length > feed.window) this.refs.delete(feed.pending.shift()!);
    }
    return topic === undefined ? [`#${id}`] : [topic, `#${id}`];
  }

  /**
   * The frame `body` ("#<id>") refers to, taken by `src`; undefined when it is gone (a
   * subscriber that stopped reading for longer than its feed's window).
   */
  take(body: Buffer, src: SocketSource): Frame | undefined {
    if (src.plan.type !== 'SUB') return this.takeOnce(body);
    const id = Number(body.toString('latin1', 1));
    const entry = this.refs.get(id);
    src.lastRef = id;
    if (entry?.feed) this.trim(entry.feed);
    return entry?.frame;
  }

  /**
   * The frame a point-to-point message ("#<id>") refers to, taken once (into a Pull, a Request's
   * reply from the graph's Reply); undefined when the text is not a reference this run made.
   */
  takeOnce(body: Buffer): Frame | undefined {
    if (body.length < 2 || body[0] !== 0x23 /* # */) return undefined;
    const id = Number(body.toString('latin1', 1));
    const entry = this.refs.get(id);
    this.refs.delete(id);
    return entry?.frame;
  }

  /** A subscriber closed: it holds no reference back any more. */
  detach(src: SocketSource): void {
    for (const { feed } of this.feeds) if (feed.subs.delete(src)) this.trim(feed);
  }

  clear(): void {
    this.refs.clear();
  }

  /** Lets go of the references every in-graph subscriber of the feed has read past. */
  private trim(feed: RefFeed): void {
    let min = Number.POSITIVE_INFINITY;
    for (const x of feed.subs) min = Math.min(min, x.lastRef);
    while (feed.pending.length > 0 && feed.pending[0] <= min) this.refs.delete(feed.pending.shift()!);
  }
}
