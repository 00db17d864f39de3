/**
 * Tapping a link: the selected link is the tapped one. The server sends this editor the frames
 * that cross it (`tap` messages, at most 5 per second) until another link or none is selected.
 */
import { watch } from 'vue';
import type { ClientMessage, TapMessage } from '../../runtime/server/protocol.ts';
import { live } from './store.ts';

/** The text ("a.out -> b.in") of the selected link, if any. */
export function tappedLink(): string | undefined {
  return live.selectedLink === undefined ? undefined : live.linkTexts[live.selectedLink];
}

/**
 * Keeps the server's tap on the selected link. `send` throws when the channel is closed; the
 * returned `resend` is called when it opens again (a new connection has no tap).
 */
export function followSelectedLink(
  send: (m: ClientMessage) => void,
  fail: (e: unknown) => void,
): { resend: () => void; stop: () => void } {
  const tell = (link: string | undefined): void => {
    try {
      send(link ? { op: 'tap', link } : { op: 'untap' });
    } catch (e) {
      // Not connected: the tap is sent again on connecting (resend), so nothing is lost.
      if ((e as { code?: string }).code !== 'NOT_CONNECTED') fail(e);
    }
  };
  const stop = watch(tappedLink, (link) => {
    live.tap = undefined;
    live.tapBefore = undefined;
    tell(link);
  });
  return { resend: () => tappedLink() && tell(tappedLink()), stop };
}

/** Takes a tap message into the store (one for a link no longer tapped is late: dropped). */
export function noteTap(m: TapMessage): void {
  if (m.link !== tappedLink()) return;
  live.tapBefore = live.tap;
  live.tap = m;
}

/** A frame time (ns since the Unix epoch, decimal) as a clock time with milliseconds. */
export function tapTime(t: string): string {
  const ms = Number(BigInt(t) / 1_000_000n);
  return new Date(ms).toISOString().slice(11, 23);
}
