"""The course's sink: binds a PULL socket, tells the ventilator it is ready, and collects
every worker's results until it has as many as the ventilator sent; then it publishes the
kill signal that sends the workers home.

    python3 course_sink.py --workers 2 --mode fast
"""

import time

import zmq

import course_common as cc


def main():
    p = cc.parser(__doc__)
    p.add_argument('--workers', type=int, default=2)
    p.add_argument('--endpoint', default='tcp://127.0.0.1:5621', help='where the sink binds its PULL socket')
    p.add_argument('--sync', default='tcp://127.0.0.1:5622', help='the ventilator\'s ready socket')
    p.add_argument('--control', default='tcp://127.0.0.1:5623', help='where the sink publishes the kill signal')
    args = p.parse_args()
    ctx = zmq.Context()
    pull = cc.socket(ctx, zmq.PULL, args)
    pull.bind(args.endpoint)
    control = ctx.socket(zmq.PUB)
    control.setsockopt(zmq.LINGER, 1000)
    control.bind(args.control)
    cc.say_ready(ctx, args.sync, args.timeout)

    received = 0
    total = None
    t0 = None
    last = time.time_ns()
    while True:
        if total is not None and received >= total:
            break
        if pull.poll(int(args.timeout * 1000)) == 0:
            break
        msg = cc.recv(pull, args.mode)
        last = time.time_ns()
        if msg[0] == 'eos':
            total, t0 = msg[1], msg[2]
        elif msg[2].shape == (args.height, args.width):
            received += 1
    control.send(b'KILL')
    pull.close()
    control.close()
    ctx.term()
    # Seconds from the ventilator's first frame to the last result here (one machine, one clock).
    seconds = (last - t0) / 1e9 if t0 else 0.0
    cc.result('sink', args, total if total is not None else args.frames, received, seconds)


if __name__ == '__main__':
    main()
