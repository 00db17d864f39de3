"""The course's frame server: a REP socket that answers each request with a frame.

    python3 course_reqrep_server.py --endpoint tcp://127.0.0.1:5610 --frames 200 --mode fast
"""

import time

import zmq

import course_common as cc


def main():
    p = cc.parser(__doc__)
    p.add_argument('--endpoint', default='tcp://127.0.0.1:5610', help='where the server binds its REP socket')
    args = p.parse_args()
    frames = cc.make_frames(args)
    ctx = zmq.Context()
    rep = cc.socket(ctx, zmq.REP, args)
    rep.bind(args.endpoint)

    sent = 0
    t0 = None
    while sent < args.frames:
        if rep.poll(int(args.timeout * 1000)) == 0:
            break
        if rep.recv() == b'hello':
            # The start handshake: the client knows the server is up before its clock starts.
            rep.send(b'ready')
            t0 = time.perf_counter()
            continue
        cc.send_frame(rep, args.mode, sent, frames[sent % len(frames)])
        sent += 1
    seconds = time.perf_counter() - t0 if t0 is not None else 0.0
    rep.close()
    ctx.term()
    cc.result('reqrep-server', args, sent, None, seconds)


if __name__ == '__main__':
    main()
