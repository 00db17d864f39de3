"""patchbay's Python node harness: one worker process of a Python node.

Started by nodes/python/worker-process.ts as `PYTHON harness.py ENDPOINT SCRIPT SLOTS`, with file
descriptor 3 open for writing. It checks the interpreter (numpy, pyzmq), loads SCRIPT, says on
fd 3 (one JSON line) whether it is ready or what is missing, then connects a PAIR socket to
ENDPOINT (ipc:// in the stage's private directory) and answers each frame in order.

Frames do not travel through the socket: they lie in shared memory. SLOTS is a path prefix in
the stage's private directory (on /dev/shm where there is one); slot k is the pair of files
SLOTS.in<k> (the stage writes the frame there) and SLOTS.out<k> (this process writes the results
there, growing it as needed). The socket carries only the headers:

  in:  [wire header (JSON) + {"slot": k, "bytes": n}]   (docs/wire-format.md; "kind": "eos" ends)
  out: [reply (JSON)]
       reply {"kind": "out", "outputs": [{"dtype", "shape", "offset", "bytes"}...], "meta": {...},
              "pinned": bool}
          or {"kind": "error", "code": "PROCESS_RAISED" | "BAD_RESULT", "message": ...}

The frame process() gets is a numpy array over the mapped input file: no copy. The results are
copied once, into the mapped output file, which the stage reads as soon as the reply arrives.
If process() keeps the frame (or a view of it) after it returns, the reply says "pinned": the
stage never writes that slot again, and from then on this process hands process() a private copy
of each frame, so what a script keeps never changes under it. The script's prints and stderr go
to this process's stdout and stderr, which the stage prefixes with the node id.
"""
import ctypes
import json
import mmap
import os
import sys
import threading
import traceback

CTL_FD = 3
# The dtypes the wire format names (runtime/wire/index.ts DTYPES).
DTYPES = ("uint8", "uint16", "int16", "int32", "float32", "float64", "complex64", "complex128")
# How many lines of a traceback the node's error message keeps (the full one goes to stderr).
TAIL_LINES = 8


def report(obj):
    os.write(CTL_FD, (json.dumps(obj) + "\n").encode())


def tail(text, n=TAIL_LINES):
    lines = text.rstrip("\n").split("\n")
    return "\n".join(lines[-n:])


def load_script(path):
    """The script as a module (named after its file, so `if __name__ == "__main__":` stays out)."""
    import types

    if not os.path.isfile(path):
        return None, {"error": "SCRIPT_MISSING", "path": os.path.abspath(path)}
    try:
        with open(path, "rb") as f:
            code = compile(f.read(), path, "exec")
    except SyntaxError as e:
        return None, {"error": "SCRIPT_SYNTAX", "path": os.path.abspath(path), "detail": "".join(traceback.format_exception_only(type(e), e)).rstrip()}
    name = os.path.splitext(os.path.basename(path))[0] or "script"
    module = types.ModuleType(name)
    module.__file__ = os.path.abspath(path)
    sys.modules[name] = module
    # The script's own folder first, so it can import the modules beside it.
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
    try:
        exec(code, module.__dict__)
    except BaseException as e:  # noqa: BLE001 - whatever the script raises while loading is reported
        text = "".join(traceback.format_exception(type(e), e, e.__traceback__.tb_next))
        sys.stderr.write(text)
        return None, {"error": "SCRIPT_FAILED", "path": os.path.abspath(path), "detail": tail(text)}
    process = getattr(module, "process", None)
    if not callable(process):
        defined = sorted(k for k in vars(module) if not k.startswith("_"))
        return None, {"error": "SCRIPT_NO_PROCESS", "path": os.path.abspath(path), "detail": ", ".join(defined)}
    return process, None


def outputs_of(result, np):
    """The arrays to send for one result: C-contiguous, little-endian, of a wire dtype."""
    if result is None:
        return []
    items = list(result) if isinstance(result, (list, tuple)) else [result]
    arrays = []
    for i, a in enumerate(items):
        where = f"item {i} of the list process() returned" if isinstance(result, (list, tuple)) else "process()'s result"
        if not isinstance(a, np.ndarray):
            raise TypeError(f"{where} is a {type(a).__name__}, not a numpy array (return an array, a list of arrays, or None)")
        if a.dtype.name not in DTYPES:
            raise TypeError(f"{where} has dtype {a.dtype.name}; patchbay carries {', '.join(DTYPES)}: convert it with .astype(...)")
        if a.ndim == 0:
            raise TypeError(f"{where} is a 0-d array; give it a shape (np.atleast_1d)")
        if a.dtype.byteorder == ">":
            a = a.astype(a.dtype.newbyteorder("<"))
        arrays.append(np.ascontiguousarray(a))
    return arrays


class Slots:
    """The mapped files of this worker's slots: inputs the stage writes, outputs written here."""

    def __init__(self, prefix):
        self.prefix = prefix
        self.maps = {}  # (kind, k) -> (fd, mmap)

    def mapped(self, kind, k, size):
        """The slot file mapped whole, at least `size` bytes long (an output file grows here)."""
        key = (kind, k)
        fd, mm = self.maps.get(key, (None, None))
        if mm is not None and len(mm) >= size:
            return mm
        if fd is None:
            fd = os.open(f"{self.prefix}.{kind}{k}", os.O_RDWR)
        length = os.fstat(fd).st_size
        if length < size:
            if kind == "in":
                raise ValueError(f"slot file {self.prefix}.in{k} holds {length} bytes, the header says {size}")
            length = max(size, 2 * length)
            os.ftruncate(fd, length)
        if mm is not None:
            try:
                mm.close()
            except BufferError:
                pass  # a frame process() kept still uses it: it goes when that frame goes
        mm = mmap.mmap(fd, length)
        self.maps[key] = (fd, mm)
        return mm

    def forget(self, kind, k):
        """A pinned slot: never mapped here again (what process() kept keeps the old mapping alive)."""
        fd, _ = self.maps.pop((kind, k), (None, None))
        if fd is not None:
            os.close(fd)

    def remove_files(self):
        """The slot files of this worker, removed (a killed stage left them)."""
        folder, base = os.path.split(self.prefix)
        try:
            names = os.listdir(folder)
        except FileNotFoundError:
            return
        for name in names:
            if name.startswith(base + ".in") or name.startswith(base + ".out"):
                try:
                    os.unlink(os.path.join(folder, name))
                except FileNotFoundError:
                    pass


def serve(sock, process, np, slots):
    copy_frames = False
    while True:
        header = json.loads(sock.recv())
        if header.get("kind") == "eos":
            return
        k, n = header.pop("slot"), header.pop("bytes")
        header.setdefault("meta", {})
        mm = slots.mapped("in", k, n)
        # A ctypes array over the slot: numpy's array (and every view of it) holds a reference to
        # it, so its reference count after process() says whether the script kept the frame.
        cbuf = (ctypes.c_char * n).from_buffer(mm, 0)
        frame = np.frombuffer(cbuf, dtype=header["dtype"]).reshape(header["shape"])
        if copy_frames:
            frame = frame.copy()
        try:
            result = process(frame, header)
        except Exception as e:  # noqa: BLE001 - the script's exception fails the node, with its traceback
            text = "".join(traceback.format_exception(type(e), e, e.__traceback__.tb_next))
            sys.stderr.write(text)
            sys.stderr.flush()
            sock.send(json.dumps({"kind": "error", "code": "PROCESS_RAISED", "message": tail(text)}).encode())
            continue
        try:
            arrays = outputs_of(result, np)
        except (TypeError, ValueError) as e:
            sock.send(json.dumps({"kind": "error", "code": "BAD_RESULT", "message": str(e)}).encode())
            continue
        outputs = []
        offset = 0
        for a in arrays:
            offset = (offset + 7) // 8 * 8
            outputs.append({"dtype": a.dtype.name, "shape": list(a.shape), "offset": offset, "bytes": a.nbytes})
            offset += a.nbytes
        out = slots.mapped("out", k, max(offset, 1))
        a = None
        for a, o in zip(arrays, outputs):
            if o["bytes"]:
                np.frombuffer(out, dtype=np.uint8, count=o["bytes"], offset=o["offset"])[:] = a.reshape(-1).view(np.uint8)
        # Only what the script itself kept may still hold the frame now.
        frame = result = arrays = a = None
        pinned = sys.getrefcount(cbuf) > 2
        del cbuf
        if pinned:
            slots.forget("in", k)
            if not copy_frames:
                copy_frames = True
                sys.stderr.write(
                    "process() keeps the frame after it returns: from now on each frame is copied for it "
                    "(keep frame.copy() instead to spare that copy)\n"
                )
        reply = {"kind": "out", "outputs": outputs, "meta": header["meta"], "pinned": pinned}
        sock.send(json.dumps(reply).encode())


def exit_with_stdin(endpoint, slots):
    """The stage closes stdin to stop this process, and so does the stage's death: never an orphan."""
    # os.read, not sys.stdin: a buffered reader's lock held by this thread makes the interpreter's
    # shutdown abort ("could not acquire lock ... at interpreter shutdown").
    while os.read(0, 65536):
        pass
    # A stage that died (SIGKILL) leaves its ipc directory: the last worker out removes it.
    slots.remove_files()
    if endpoint.startswith("ipc://"):
        path = endpoint[len("ipc://"):]
        for remove in (os.unlink, os.rmdir):
            try:
                remove(path)
            except FileNotFoundError:
                pass  # the stage removed it already (a normal close)
            except OSError:
                break  # another worker's socket is still in the directory: it removes the directory
            path = os.path.dirname(path)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def main():
    endpoint, script, prefix = sys.argv[1], sys.argv[2], sys.argv[3]
    slots = Slots(prefix)
    threading.Thread(target=exit_with_stdin, args=(endpoint, slots), daemon=True).start()
    # Prints reach the run's output line by line, not when a 8 KiB buffer fills.
    sys.stdout.reconfigure(line_buffering=True)
    sys.stderr.reconfigure(line_buffering=True)
    for module, package, pip in (("numpy", "python3-numpy", "numpy"), ("zmq", "python3-zmq", "pyzmq")):
        try:
            __import__(module)
        except ImportError as e:
            report({"error": "MODULE_MISSING", "module": module, "package": package, "pip": pip, "executable": sys.executable, "detail": str(e)})
            return 3
    import numpy as np
    import zmq

    process, error = load_script(script)
    if error is not None:
        error["executable"] = sys.executable
        report(error)
        return 3
    ctx = zmq.Context()
    sock = ctx.socket(zmq.PAIR)
    sock.linger = 1000
    sock.connect(endpoint)
    report({"ok": True, "executable": sys.executable, "pid": os.getpid(), "numpy": np.__version__})
    try:
        serve(sock, process, np, slots)
    finally:
        sock.close()
        ctx.term()
    return 0


if __name__ == "__main__":
    sys.exit(main())
