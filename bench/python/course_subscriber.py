"""What the course's subscribers share: connect, subscribe to the topic, say ready once the
publisher's hello arrives, handle every frame, acknowledge end of stream."""

import time

import zmq

import course_common as cc


def run(program, args, handle):
    """Receives until end of stream; handle(seq, array) does the subscriber's work.
    Returns (frames received, total the publisher sent, seconds from its first frame to end of stream)."""
    ctx = zmq.Context()
    sub = cc.socket(ctx, zmq.SUB, args, linger=0)
    sub.setsockopt(zmq.SUBSCRIBE, args.topic.encode())
    sub.setsockopt(zmq.SUBSCRIBE, b'hello')
    sub.connect(args.publisher)
    sync = ctx.socket(zmq.REQ)
    sync.setsockopt(zmq.LINGER, 0)
    sync.connect(args.sync)

    def ask(text):
        sync.send(text.encode())
        if sync.poll(int(args.timeout * 1000)) == 0:
            cc.fail(program, f'no answer from the publisher at {args.sync}')
        sync.recv()

    topic = args.topic.encode()
    ready = False
    received = 0
    total = None
    t0 = 0
    end = 0
    while True:
        if sub.poll(int(args.timeout * 1000)) == 0:
            break
        parts_topic = sub.recv(copy=False)
        if parts_topic.bytes == b'hello':
            sub.recv()
            if not ready:
                ask(f'{program} ready')
                ready = True
            continue
        assert parts_topic.bytes.startswith(topic)
        kind, a, b = cc.recv_rest(sub, args.mode)
        if kind == 'eos':
            total, t0 = a, b
            end = time.time_ns()
            ask(f'{program} done')
            break
        handle(a if a is not None else received, b)
        received += 1
    sub.close()
    sync.close()
    ctx.term()
    seconds = (end - t0) / 1e9 if t0 else 0.0
    return received, total, seconds
