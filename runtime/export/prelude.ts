/**
 * The Python every exported script starts with: the frame, patchbay's wire format both ways
 * (docs/wire-format.md), pickles from the course's `send_pyobj` read as frames, and Ctrl-C.
 * One text, the same in every script, so a student reads it once.
 */
export const PRELUDE = `Frame = collections.namedtuple("Frame", ["data", "seq", "t"])
"""One frame: the numpy array and its wire header's seq (counted from 0 at the source) and t (ns)."""

DROPPED = object()
"""What recv_frame returns for a message that is not a frame (reported on stderr, then skipped)."""

stopping = False
"""True once Ctrl-C or SIGTERM came: the loop ends after the frame in hand, end of stream goes on."""


def request_stop(signum, frame):
    global stopping
    if stopping:
        raise KeyboardInterrupt  # a second Ctrl-C: stop at once
    stopping = True
    print("stopping (Ctrl-C again stops at once)", file=sys.stderr, flush=True)


CONFIRMS_EOS = b"\\x00patchbay:confirms-eos"
"""What patchbay's subscribers also subscribe to: they leave at end of stream (docs/wire-format.md)."""

confirming = collections.Counter()
"""Per publisher (an XPUB): patchbay subscribers subscribed now."""


def is_subscriber(sock, message):
    """Whether a publisher's (XPUB's) message is one more subscription to frames; patchbay's
    subscribers' CONFIRMS_EOS (un)subscriptions are counted apart, in confirming."""
    if message[1:] == CONFIRMS_EOS:
        confirming[sock] += 1 if message[:1] == b"\\x01" else -1
        return False
    return message[:1] == b"\\x01"


def publish_eos(sock, n, topic=None, seconds=30.0):
    """End of stream from a publisher. PUB drops it like a frame for a subscriber whose queue is
    full, so it goes again every 20 ms while a patchbay subscriber is subscribed (each leaves at
    it), for up to seconds, then three more times for other subscribers. False if one stayed."""
    deadline = time.monotonic() + seconds
    send_eos(sock, n, topic)
    while True:
        while sock.poll(0):
            is_subscriber(sock, sock.recv())
        if confirming[sock] <= 0 or time.monotonic() > deadline:
            break
        time.sleep(0.02)
        send_eos(sock, n, topic)
    for _ in range(3):
        time.sleep(0.02)
        send_eos(sock, n, topic)
    return confirming[sock] <= 0


def send_frame(sock, frame, topic=None):
    """Sends a Frame in patchbay's wire format: [topic,] JSON header, raw little-endian bytes."""
    data = np.ascontiguousarray(frame.data, dtype=frame.data.dtype.newbyteorder("<"))
    header = {"v": 1, "kind": "frame", "seq": int(frame.seq), "t": int(frame.t),
              "dtype": data.dtype.name, "shape": list(data.shape)}
    parts = [json.dumps(header).encode(), data]
    sock.send_multipart(parts if topic is None else [topic.encode()] + parts)


def send_eos(sock, n, topic=None):
    """Sends end of stream: the sender has sent n frames and will send no more."""
    header = json.dumps({"v": 1, "kind": "eos", "seq": int(n)}).encode()
    sock.send_multipart([header] if topic is None else [topic.encode(), header])


class ArrayUnpickler(pickle.Unpickler):
    """pickle.loads for numpy arrays only: a pickle naming anything else is refused, not run."""
    ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
               ("numpy", "ndarray"), ("numpy", "dtype"), ("_codecs", "encode"),
               ("numpy.core.numeric", "_frombuffer"), ("numpy._core.numeric", "_frombuffer")}

    def find_class(self, module, name):
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"{module}.{name} is not part of a numpy array")
        return super().find_class(module, name)


arrivals = collections.Counter()
"""Pickles carry no seq: they are numbered on arrival, per socket."""


def decode(parts, counter):
    """A message (without its topic) as a Frame, None at end of stream, or DROPPED."""
    first = bytes(parts[0]) if parts else b""
    try:
        if first[:1] == b"\\x80":  # a pickle (the course's send_pyobj)
            data = ArrayUnpickler(io.BytesIO(first)).load()
            if not isinstance(data, np.ndarray):
                raise ValueError(f"a pickle of {type(data).__name__}, not of a numpy array")
            arrivals[counter] += 1
            return Frame(data, arrivals[counter] - 1, time.time_ns())
        header = json.loads(first)
        if header.get("kind") == "eos":
            return None
        if header.get("kind") != "frame" or len(parts) != 2:
            raise ValueError(f"a {header.get('kind')!r} message of {len(parts)} parts")
        data = np.frombuffer(parts[1], dtype=np.dtype(header["dtype"]).newbyteorder("<"))
        return Frame(data.reshape(header["shape"]), header["seq"], int(header["t"]))
    except (ValueError, KeyError, TypeError, pickle.UnpicklingError) as e:
        print(f"dropped a message that is not a frame: {e}", file=sys.stderr, flush=True)
        return DROPPED


def recv_frame(sock, has_topic):
    """Receives one message: a Frame (wire format or pickle), None at end of stream, or DROPPED."""
    parts = sock.recv_multipart()
    return decode(parts[1:] if has_topic else parts, id(sock))


def wait_readable(sock):
    """Waits for a message on sock, checking for Ctrl-C; False when stopping."""
    while not stopping:
        if sock.poll(100):
            return True
    return False
`;

/** The modules the prelude and the exporter's own code use. */
export const PRELUDE_IMPORTS = ['collections', 'io', 'json', 'pickle', 'signal', 'sys', 'time'] as const;
