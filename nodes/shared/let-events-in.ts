/**
 * What a source that sends as fast as it can (a camera at fps 0, a recording replayed without
 * a rate) awaits after each frame it did not wait on a timer for: one turn of the event loop,
 * so the sockets' events get in between frames. A source that let them in only every 64
 * frames made each hop of a request's round trip wait for 64 frames: a Reply fed by such a
 * camera answered 566-849 requests/s, and 1454-1944 with a turn per frame, with PUSH/PULL
 * and PUB/SUB unchanged (docs/performance-goals.md, REQ/REP).
 */
export function letEventsIn(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}
