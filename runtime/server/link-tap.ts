/**
 * Link taps: an editor that clicked a link gets the headers of the frames crossing it, with the
 * last frame's min, max, histogram and preview, at most 5 per second. A link carries what its
 * producing node emits, so the tap listens to that node's frames (the executor's `tap`).
 */
import { parseLink } from '../graph/link.ts';
import { typedView, type Frame } from '../wire/index.ts';
import { pixelsBase64, previewImage, PreviewThrottle } from './preview.ts';
import { ServerError } from './graph-files.ts';
import type { ServerMessage, TapMessage } from './protocol.ts';

/** Who asked for a tap: one per WebSocket. */
export interface TapClient {
  send(msg: ServerMessage): void;
}

/** Bins of a tap's histogram, from the frame's min to its max. */
export const HISTOGRAM_BINS = 16;
/** Values looked at for min, max and histogram: beyond this, every n-th (a 4K frame costs no more than a small one). */
const MAX_SAMPLES = 1 << 16;

/** Min, max and histogram of a frame's values (the magnitude of complex ones), sampled. */
export function frameSummary(frame: Pick<Frame, 'dtype' | 'data'>): { min: number; max: number; histogram: number[] } {
  const v = typedView(frame);
  const complex = frame.dtype.startsWith('complex');
  const n = complex ? v.length / 2 : v.length;
  const step = Math.max(1, Math.ceil(n / MAX_SAMPLES));
  const at = complex ? (i: number) => Math.hypot(v[2 * i], v[2 * i + 1]) : (i: number) => v[i];
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i += step) {
    const x = at(i);
    if (x < min) min = x;
    if (x > max) max = x;
  }
  const histogram = new Array<number>(HISTOGRAM_BINS).fill(0);
  if (n === 0) return { min: 0, max: 0, histogram };
  const width = (max - min) / HISTOGRAM_BINS;
  for (let i = 0; i < n; i += step) {
    const b = width > 0 ? Math.min(HISTOGRAM_BINS - 1, Math.floor((at(i) - min) / width)) : 0;
    if (b >= 0) histogram[b]++;
  }
  return { min, max, histogram };
}

/** What a tap sends for one frame on `link`. */
export function tapMessage(link: string, frame: Frame): TapMessage {
  const { min, max, histogram } = frameSummary(frame);
  const img = previewImage(frame, { scale: frame.dtype.startsWith('complex') ? 'log' : 'linear', maxSide: 128 });
  return {
    type: 'tap',
    link,
    seq: frame.seq,
    t: frame.t.toString(),
    dtype: frame.dtype,
    shape: frame.shape,
    ...(frame.meta ? { meta: frame.meta } : {}),
    min,
    max,
    histogram,
    ...(img ? { preview: { width: img.width, height: img.height, pixels: pixelsBase64(img) } } : {}),
  };
}

export class LinkTaps {
  /** The link each client taps, and its producing node. */
  private readonly taps = new Map<TapClient, { link: string; node: string }>();
  private readonly throttle = new PreviewThrottle(200);

  /** `client` taps `link` ("a.out -> b.in") from now on, instead of the one it tapped before. */
  tap(client: TapClient, link: unknown): void {
    const parsed = typeof link === 'string' ? parseLink(link) : undefined;
    if (!parsed)
      throw new ServerError('BAD_REQUEST', `link must be "node.port -> node.port", got ${JSON.stringify(link)}`);
    this.taps.set(client, { link: link as string, node: parsed.from.node });
  }

  untap(client: TapClient): void {
    this.taps.delete(client);
  }

  /** A frame `node` emitted: to the clients tapping one of its links, at most 5 per second per link. */
  frame(node: string, frame: Frame): void {
    if (this.taps.size === 0) return;
    const sent = new Map<string, TapMessage | undefined>();
    for (const [client, t] of this.taps) {
      if (t.node !== node) continue;
      if (!sent.has(t.link)) sent.set(t.link, this.throttle.take(t.link) ? tapMessage(t.link, frame) : undefined);
      const msg = sent.get(t.link);
      if (msg) client.send(msg);
    }
  }
}
