/**
 * The Python every exported script starts with: the frame, patchbay's wire format both ways
 * (docs/wire-format.md), pickles from the course's `send_pyobj` read as frames, and Ctrl-C.
 * One text, the same in every script, so a student reads it once.
 */
export const PRELUDE = `Frame = collections.namedtuple("Frame", ["data", "seq", "t"])
"""One frame: the numpy array and its wire header's seq (counted from 0 at the source) and t (ns)."""

DROPPED = object()
"""What recv_frame returns for a message that is not a frame (reported on stderr, then skipped),
and for an end of stream a publisher sent again."""

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

EOS_SEEN = b"\\x00patchbay:eos-seen:"
"""What a patchbay subscriber subscribes to, followed by an end of stream's "from", once it has it."""

confirming = collections.Counter()
"""Per publisher (an XPUB): patchbay subscribers subscribed now."""

seen = collections.Counter()
"""Per publisher (an XPUB): subscribers that said they have its end of stream (EOS_SEEN)."""

senders = {}
"""Per sending socket: who it is in its end of stream ("from"), so a subscriber counts it once."""


def is_subscriber(sock, message):
    """Whether a publisher's (XPUB's) message is one more subscription to frames. patchbay's
    subscribers' own subscriptions are not: CONFIRMS_EOS and this publisher's EOS_SEEN are
    counted in confirming and seen, and the rest (other publishers' EOS_SEEN) are ignored."""
    step = 1 if message[:1] == b"\\x01" else -1
    if message[1:] == CONFIRMS_EOS:
        confirming[sock] += step
    elif message[1:] == EOS_SEEN + sender(sock).encode():
        seen[sock] += step
    return message[:1] == b"\\x01" and not message[1:].startswith(b"\\x00patchbay:")


def sender(sock):
    """This socket's "from" in its end of stream: unique to it and this run."""
    return senders.setdefault(sock, f"{time.time_ns():x}.{id(sock):x}")


def publish_eos(sock, n, topic=None, seconds=30.0):
    """End of stream from a publisher. PUB drops it like a frame for a subscriber whose queue is
    full, so it goes again every 20 ms while a patchbay subscriber has not confirmed it (it
    leaves, or says EOS_SEEN), for up to seconds, then three more times for other subscribers.
    False if one did not confirm."""
    deadline = time.monotonic() + seconds
    send_eos(sock, n, topic)
    while True:
        while sock.poll(0):
            is_subscriber(sock, sock.recv())
        if confirming[sock] <= seen[sock] or time.monotonic() > deadline:
            break
        time.sleep(0.02)
        send_eos(sock, n, topic)
    for _ in range(3):
        time.sleep(0.02)
        send_eos(sock, n, topic)
    return confirming[sock] <= seen[sock]


def send_frame(sock, frame, topic=None):
    """Sends a Frame in patchbay's wire format: [topic,] JSON header, raw little-endian bytes."""
    data = np.ascontiguousarray(frame.data, dtype=frame.data.dtype.newbyteorder("<"))
    header = {"v": 1, "kind": "frame", "seq": int(frame.seq), "t": int(frame.t),
              "dtype": data.dtype.name, "shape": list(data.shape)}
    parts = [json.dumps(header).encode(), data]
    sock.send_multipart(parts if topic is None else [topic.encode()] + parts)


def send_eos(sock, n, topic=None):
    """Sends end of stream: the sender has sent n frames and will send no more."""
    header = json.dumps({"v": 1, "kind": "eos", "seq": int(n), "from": sender(sock)}).encode()
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


heard = collections.defaultdict(set)
"""Per subscriber (a SUB): the publishers whose end of stream it has, each counted once."""


def recv_frame(sock, has_topic):
    """Receives one message: a Frame (wire format or pickle), None at end of stream, or DROPPED.
    A subscriber tells a publisher it has its end of stream (EOS_SEEN), and takes any repeat
    of it as DROPPED."""
    parts = sock.recv_multipart()
    body = parts[1:] if has_topic else parts
    frame = decode(body, id(sock))
    if frame is None and has_topic:
        who = json.loads(bytes(body[0])).get("from")
        if isinstance(who, str):
            if who in heard[sock]:
                return DROPPED
            heard[sock].add(who)
            sock.setsockopt(zmq.SUBSCRIBE, EOS_SEEN + who.encode())
    return frame


def wait_readable(sock):
    """Waits for a message on sock, checking for Ctrl-C; False when stopping."""
    while not stopping:
        if sock.poll(100):
            return True
    return False
`;

/** The modules the prelude and the exporter's own code use. */
export const PRELUDE_IMPORTS = ['collections', 'io', 'json', 'pickle', 'signal', 'sys', 'time'] as const;
