"""The course's worker: pulls frames from the ventilator, computes the 2D FFT magnitude
(numpy fft2; float64, as numpy gives it) and pushes it to the sink. Forwards end of stream,
and leaves when the sink publishes that it has every result (the course's kill signal).

    python3 course_worker.py --mode fast
"""

import time

import numpy as np
import zmq

import course_common as cc


def main():
    p = cc.parser(__doc__)
    p.add_argument('--ventilator', default='tcp://127.0.0.1:5620', help='the ventilator to pull from')
    p.add_argument('--sink', default='tcp://127.0.0.1:5621', help='the sink to push to')
    p.add_argument('--sync', default='tcp://127.0.0.1:5622', help='the ventilator\'s ready socket')
    p.add_argument('--control', default='tcp://127.0.0.1:5623', help='the sink\'s PUB socket that says when to leave')
    args = p.parse_args()
    ctx = zmq.Context()
    pull = cc.socket(ctx, zmq.PULL, args)
    pull.connect(args.ventilator)
    push = cc.socket(ctx, zmq.PUSH, args, linger=int(args.timeout * 1000))
    push.connect(args.sink)
    control = ctx.socket(zmq.SUB)
    control.setsockopt(zmq.LINGER, 0)
    control.setsockopt(zmq.SUBSCRIBE, b'')
    control.connect(args.control)
    cc.say_ready(ctx, args.sync, args.timeout)
    poller = zmq.Poller()
    poller.register(pull, zmq.POLLIN)
    poller.register(control, zmq.POLLIN)

    done = 0
    busy = 0.0
    start = None
    while True:
        events = dict(poller.poll(int(args.timeout * 1000)))
        if not events or control in events:
            break
        msg = cc.recv(pull, args.mode)
        if msg[0] == 'eos':
            cc.send_eos(push, args.mode, msg[1], msg[2])
            continue
        if start is None:
            start = time.perf_counter()
        t = time.perf_counter()
        spectrum = np.abs(np.fft.fft2(msg[2]))
        busy += time.perf_counter() - t
        cc.send_array(push, args.mode, msg[1] if msg[1] is not None else done, spectrum)
        done += 1
    seconds = time.perf_counter() - start if start is not None else 0.0
    pull.close()
    push.close()
    control.close()
    ctx.term()
    cc.result('worker', args, None, done, seconds, fft_ms=round(1000 * busy / max(done, 1), 3))


if __name__ == '__main__':
    main()
