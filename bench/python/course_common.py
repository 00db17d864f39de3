"""What the course's benchmark scripts share: arguments, the frames, both ways of
sending them, the start handshake, and the one JSON result line each program prints.

Two ways to send a frame are measured:
- course: the course's way, a pickled numpy array (send_pyobj / recv_pyobj);
- fast: patchbay's wire format, a JSON header and the raw buffer, sent without a copy.
"""

import argparse
import json
import pickle
import sys
import time

import numpy as np
import zmq

DTYPE = np.uint16


def parser(description):
    """The arguments every course program takes."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument('--frames', type=int, default=200, help='frames the source sends')
    p.add_argument('--width', type=int, default=1024)
    p.add_argument('--height', type=int, default=1024)
    p.add_argument('--mode', choices=['course', 'fast'], default='course',
                   help='course: pickled numpy arrays (send_pyobj); fast: JSON header + raw buffer')
    p.add_argument('--hwm', type=int, default=4, help='high-water mark of the data sockets, in messages')
    p.add_argument('--seed', type=int, default=1)
    p.add_argument('--timeout', type=float, default=60.0,
                   help='seconds without a message before a receiver gives up and reports what it lost')
    return p


def make_frames(args, count=8):
    """A few 12-bit uint16 frames from a seeded generator, made before the clock starts and
    sent in turn, so what is measured is moving frames, not making them."""
    rng = np.random.default_rng(args.seed)
    return [rng.integers(0, 4096, size=(args.height, args.width), dtype=DTYPE) for _ in range(count)]


def frame_bytes(args):
    return args.width * args.height * np.dtype(DTYPE).itemsize


def socket(ctx, kind, args, linger=2000):
    s = ctx.socket(kind)
    s.setsockopt(zmq.SNDHWM, args.hwm)
    s.setsockopt(zmq.RCVHWM, args.hwm)
    # A bounded linger: a process whose peer is gone must still exit.
    s.setsockopt(zmq.LINGER, linger)
    return s


def now_ns():
    return time.time_ns()


# ---- sending and receiving, both ways ------------------------------------------------

def send_frame(sock, mode, seq, array, topic=None):
    """One frame. fast: [topic], header, payload (no copy: the array is never written again)."""
    if mode == 'course':
        if topic is not None:
            sock.send_string(topic, zmq.SNDMORE)
        sock.send_pyobj(array)
        return
    header = '{"v":1,"kind":"frame","seq":%d,"t":%d,"dtype":"%s","shape":[%d,%d]}' % (
        seq, now_ns(), array.dtype.name, array.shape[0], array.shape[1])
    parts = [header.encode(), array]
    if topic is not None:
        parts.insert(0, topic.encode())
    sock.send_multipart(parts, copy=False)


def send_eos(sock, mode, count, t0, topic=None):
    """End of stream, carrying how many frames were sent and when sending began (ns)."""
    prefix = [topic.encode()] if topic is not None else []
    if mode == 'course':
        sock.send_multipart(prefix + [pickle.dumps(('eos', count, t0), pickle.HIGHEST_PROTOCOL)])
    else:
        sock.send_multipart(prefix + [b'{"v":1,"kind":"eos","seq":%d,"t0":%d}' % (count, t0)])


def recv(sock, mode, topic=False):
    """Returns ('frame', seq or None, array) or ('eos', count, t0)."""
    parts = sock.recv_multipart(copy=False)
    if topic:
        parts = parts[1:]
    if mode == 'course':
        obj = pickle.loads(parts[0].buffer)
        if isinstance(obj, tuple) and obj and obj[0] == 'eos':
            return obj
        return ('frame', None, obj)
    hdr = json.loads(parts[0].bytes)
    if hdr['kind'] == 'eos':
        return ('eos', hdr['seq'], hdr.get('t0', 0))
    array = np.frombuffer(parts[1].buffer, dtype=hdr['dtype']).reshape(hdr['shape'])
    return ('frame', hdr['seq'], array)


def send_array(sock, mode, seq, array):
    """A result (a spectrum) on its way to the sink, the same way frames travel."""
    send_frame(sock, mode, seq, array)


# ---- the start handshake --------------------------------------------------------------

def wait_for_ready(ctx, endpoint, peers, timeout):
    """The source's side of the course's handshake: a REP socket that each consumer asks once
    it is connected; the source starts only when every consumer has said so."""
    sync = ctx.socket(zmq.REP)
    sync.setsockopt(zmq.LINGER, 0)
    sync.bind(endpoint)
    deadline = time.monotonic() + timeout
    ready = 0
    while ready < peers:
        if sync.poll(100) == 0:
            if time.monotonic() > deadline:
                fail('handshake', f'{ready} of {peers} consumers ready after {timeout}s')
            continue
        sync.recv()
        sync.send(b'go')
        ready += 1
    sync.close()


def say_ready(ctx, endpoint, timeout):
    """The consumer's side: ask the source's REP socket, wait for its answer."""
    sync = ctx.socket(zmq.REQ)
    sync.setsockopt(zmq.LINGER, 0)
    sync.connect(endpoint)
    sync.send(b'ready')
    if sync.poll(int(timeout * 1000)) == 0:
        fail('handshake', f'no answer from {endpoint} after {timeout}s')
    sync.recv()
    sync.close()


# ---- the result line ------------------------------------------------------------------

def result(program, args, sent, received, seconds, **extra):
    """Prints the one JSON line the harness reads."""
    seconds = max(seconds, 1e-9)
    line = {
        'program': program,
        'mode': args.mode,
        'width': args.width,
        'height': args.height,
        'frames_sent': sent,
        'frames_received': received,
        'lost': max(sent - received, 0) if sent is not None and received is not None else None,
        'seconds': round(seconds, 6),
        'fps': round((received if received is not None else sent) / seconds, 3),
        'mbps': round((received if received is not None else sent) * frame_bytes(args) / seconds / 1e6, 3),
    }
    line.update(extra)
    sys.stdout.write(json.dumps(line) + '\n')
    sys.stdout.flush()


def fail(program, message):
    sys.stdout.write(json.dumps({'program': program, 'error': message}) + '\n')
    sys.stdout.flush()
    sys.exit(1)


def recv_rest(sock, mode):
    """Like recv(topic=True) once the topic part has been read."""
    parts = sock.recv_multipart(copy=False)
    if mode == 'course':
        obj = pickle.loads(parts[0].buffer)
        if isinstance(obj, tuple) and obj and obj[0] == 'eos':
            return obj
        return ('frame', None, obj)
    hdr = json.loads(parts[0].bytes)
    if hdr['kind'] == 'eos':
        return ('eos', hdr['seq'], hdr.get('t0', 0))
    return ('frame', hdr['seq'], np.frombuffer(parts[1].buffer, dtype=hdr['dtype']).reshape(hdr['shape']))
