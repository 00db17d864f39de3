"""The course's client: a REQ socket that asks the frame server for one frame at a time
(lock-step: the next request only after the reply).

    python3 course_reqrep_client.py --endpoint tcp://127.0.0.1:5610 --frames 200 --mode fast
"""

import time

import zmq

import course_common as cc


def main():
    p = cc.parser(__doc__)
    p.add_argument('--endpoint', default='tcp://127.0.0.1:5610', help='the server to connect to')
    args = p.parse_args()
    ctx = zmq.Context()
    req = cc.socket(ctx, zmq.REQ, args, linger=0)
    req.connect(args.endpoint)

    req.send(b'hello')
    if req.poll(int(args.timeout * 1000)) == 0:
        cc.fail('reqrep-client', f'no server at {args.endpoint} after {args.timeout}s')
    req.recv()

    received = 0
    checksum = 0
    t0 = time.perf_counter()
    for _ in range(args.frames):
        req.send(b'read')
        if req.poll(int(args.timeout * 1000)) == 0:
            break  # a REQ socket without its reply cannot ask again: what is left is lost
        kind, _seq, frame = cc.recv(req, args.mode)
        if kind == 'frame' and frame.shape == (args.height, args.width):
            received += 1
            checksum += int(frame[0, 0])
    seconds = time.perf_counter() - t0
    req.close()
    ctx.term()
    cc.result('reqrep-client', args, args.frames, received, seconds, checksum=checksum)


if __name__ == '__main__':
    main()
