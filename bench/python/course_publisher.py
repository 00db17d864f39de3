"""The course's publisher: binds a PUB socket and sends every frame under a topic. It waits
until every subscriber is connected and subscribed (no slow-joiner loss), and at the end
repeats end of stream until every subscriber has acknowledged it, since a PUB socket may
drop any message at a subscriber's high-water mark, end of stream included.

    python3 course_publisher.py --subscribers 2 --frames 200 --fps 400 --mode fast
"""

import time

import zmq

import course_common as cc


def main():
    p = cc.parser(__doc__)
    p.add_argument('--subscribers', type=int, default=2)
    p.add_argument('--topic', default='camera_frame')
    p.add_argument('--endpoint', default='tcp://127.0.0.1:5630', help='where the publisher binds its PUB socket')
    p.add_argument('--sync', default='tcp://127.0.0.1:5631', help='where subscribers say ready and done')
    p.add_argument('--fps', type=float, default=0, help='frame rate like a camera\'s; 0 sends as fast as possible')
    args = p.parse_args()
    frames = cc.make_frames(args)
    ctx = zmq.Context()
    pub = cc.socket(ctx, zmq.PUB, args, linger=1000)
    pub.bind(args.endpoint)
    sync = ctx.socket(zmq.REP)
    sync.setsockopt(zmq.LINGER, 0)
    sync.bind(args.sync)

    def gather(peers, ping):
        """Answers `peers` requests on the sync socket, calling ping() while waiting."""
        deadline = time.monotonic() + args.timeout
        got = {}
        while len(got) < peers:
            ping()
            if sync.poll(20) == 0:
                if time.monotonic() > deadline:
                    cc.fail('publisher', f'{len(got)} of {peers} subscribers answered after {args.timeout}s')
                continue
            name, _, report = sync.recv().decode().partition(' ')
            sync.send(b'ok')
            got[name] = report
        return got

    # A subscriber sees 'hello' only once its subscription has reached us: then it says ready.
    gather(args.subscribers, lambda: pub.send_multipart([b'hello', b'']))

    t0 = cc.now_ns()
    start = time.perf_counter()
    for seq in range(args.frames):
        if args.fps > 0:
            # A camera's clock: frame seq is due at start + seq / fps, whatever came before.
            late = start + seq / args.fps - time.perf_counter()
            if late > 0:
                time.sleep(late)
        cc.send_frame(pub, args.mode, seq, frames[seq % len(frames)], topic=args.topic)
    seconds = time.perf_counter() - start
    gather(args.subscribers, lambda: cc.send_eos(pub, args.mode, args.frames, t0, topic=args.topic))
    pub.close()
    sync.close()
    ctx.term()
    cc.result('publisher', args, args.frames, None, seconds)


if __name__ == '__main__':
    main()
