"""Reads an HDF5 file the way a scientist would (h5py + numpy) and prints what is in it as JSON.

usage: read-h5.py FILE
Per group: attributes, every dataset's shape/dtype/chunks/compression, seq, timestamps (as
strings: int64 nanoseconds do not survive a JSON number) and a SHA-256 of each frame's bytes.
"""
import hashlib
import json
import sys

import h5py
import numpy as np


def plain(v):
    if isinstance(v, bytes):
        return v.decode()
    if isinstance(v, np.ndarray):
        return [plain(x) for x in v.tolist()]
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, list):
        return [plain(x) for x in v]
    return v


def attr_type(v):
    if isinstance(v, (str, bytes)):
        return "str"
    return np.asarray(v).dtype.name


out = {"groups": {}}
with h5py.File(sys.argv[1], "r") as f:
    for name, g in f.items():
        entry = {
            "attrs": {k: plain(v) for k, v in g.attrs.items()},
            "attrTypes": {k: attr_type(v) for k, v in g.attrs.items()},
            "datasets": {},
        }
        for dname, ds in g.items():
            entry["datasets"][dname] = {
                "shape": list(ds.shape),
                "maxshape": [d for d in ds.maxshape],
                "dtype": ds.dtype.name,
                "chunks": list(ds.chunks) if ds.chunks else None,
                "compression": ds.compression,
                "compression_opts": ds.compression_opts,
            }
        if "seq" in g:
            entry["seq"] = g["seq"][:].tolist()
        if "timestamps" in g:
            entry["timestamps"] = [str(t) for t in g["timestamps"][:].tolist()]
        frames = [d for d in g if d not in ("seq", "timestamps")]
        if frames:
            ds = g[frames[0]]
            entry["frameHashes"] = [hashlib.sha256(np.ascontiguousarray(ds[i]).tobytes()).hexdigest() for i in range(ds.shape[0])]
        out["groups"][name] = entry
json.dump(out, sys.stdout)
