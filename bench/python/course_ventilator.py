"""The course's ventilator: binds a PUSH socket and deals frames to the workers, one each in
turn. It starts only when the sink and every worker have said they are ready (the course's
start handshake), then sends one end of stream, which a worker forwards to the sink.

    python3 course_ventilator.py --workers 2 --frames 200 --mode fast
"""

import time

import zmq

import course_common as cc


def main():
    p = cc.parser(__doc__)
    p.add_argument('--workers', type=int, default=2)
    p.add_argument('--endpoint', default='tcp://127.0.0.1:5620', help='where the ventilator binds its PUSH socket')
    p.add_argument('--sync', default='tcp://127.0.0.1:5622', help='where the ventilator waits for the ready messages')
    args = p.parse_args()
    frames = cc.make_frames(args)
    ctx = zmq.Context()
    push = cc.socket(ctx, zmq.PUSH, args, linger=int(args.timeout * 1000))
    push.bind(args.endpoint)
    cc.wait_for_ready(ctx, args.sync, args.workers + 1, args.timeout)

    t0 = cc.now_ns()
    start = time.perf_counter()
    for seq in range(args.frames):
        cc.send_frame(push, args.mode, seq, frames[seq % len(frames)])
    seconds = time.perf_counter() - start
    # One end of stream carrying the count: PUSH cannot address each worker (round robin skips
    # a busy one), so the sink counts results and tells the workers to leave when all are in.
    cc.send_eos(push, args.mode, args.frames, t0)
    push.close()
    ctx.term()
    cc.result('ventilator', args, args.frames, None, seconds)


if __name__ == '__main__':
    main()
