"""patchbay's Python node harness: one worker process of a Python node.

Started by nodes/python/worker-process.ts as `PYTHON harness.py ENDPOINT SCRIPT`, with file
descriptor 3 open for writing. It checks the interpreter (numpy, pyzmq), loads SCRIPT, says on
fd 3 (one JSON line) whether it is ready or what is missing, then connects a PAIR socket to
ENDPOINT (ipc:// in the stage's private directory) and answers each frame in order:

  in:  [wire header (JSON), payload]           (docs/wire-format.md; "kind": "eos" ends)
  out: [reply (JSON), payload 1, payload 2 ...]
       reply {"kind": "out", "outputs": [{"dtype", "shape"}...], "meta": {...}}
          or {"kind": "error", "code": "PROCESS_RAISED" | "BAD_RESULT", "message": ...}

No pickles, no copies where they can be avoided: the frame is np.frombuffer over the received
message, and each result array is sent from its own memory (copy=False). The script's prints
and stderr go to this process's stdout and stderr, which the stage prefixes with the node id.
"""
import json
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


def serve(sock, process, np):
    while True:
        parts = sock.recv_multipart(copy=False)
        header = json.loads(parts[0].bytes)
        if header.get("kind") == "eos":
            return
        frame = np.frombuffer(parts[1].buffer, dtype=header["dtype"]).reshape(header["shape"])
        header.setdefault("meta", {})
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
            reply = json.dumps({"kind": "out", "outputs": [{"dtype": a.dtype.name, "shape": list(a.shape)} for a in arrays], "meta": header["meta"]})
        except (TypeError, ValueError) as e:
            sock.send(json.dumps({"kind": "error", "code": "BAD_RESULT", "message": str(e)}).encode())
            continue
        sock.send_multipart([reply.encode(), *arrays], copy=False)


def exit_with_stdin(endpoint):
    """The stage closes stdin to stop this process, and so does the stage's death: never an orphan."""
    # os.read, not sys.stdin: a buffered reader's lock held by this thread makes the interpreter's
    # shutdown abort ("could not acquire lock ... at interpreter shutdown").
    while os.read(0, 65536):
        pass
    # A stage that died (SIGKILL) leaves its ipc directory: the last worker out removes it.
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
    endpoint, script = sys.argv[1], sys.argv[2]
    threading.Thread(target=exit_with_stdin, args=(endpoint,), daemon=True).start()
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
        serve(sock, process, np)
    finally:
        sock.close()
        ctx.term()
    return 0


if __name__ == "__main__":
    sys.exit(main())
