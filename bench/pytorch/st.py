"""Safetensors read/write with numpy only.

The format is an 8-byte little-endian header length, a JSON header mapping each name to
{dtype, shape, data_offsets} relative to the end of the header, then the raw little-endian data.
Written here rather than taken from the `safetensors` package so that the comparison also runs
with old torch builds that lack it (the CPU dry run uses Debian's torch 1.13).
"""
import json
import struct

import numpy as np

_DTYPES = {"F32": np.float32, "F64": np.float64, "I32": np.int32, "I64": np.int64, "F16": np.float16, "U8": np.uint8}
_NAMES = {np.dtype(v): k for k, v in _DTYPES.items()}


def read(path):
    """name -> numpy array (a copy, so it may outlive the file's bytes)."""
    with open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 8:
        raise ValueError(f"{path}: too short for a safetensors file")
    (n,) = struct.unpack("<Q", raw[:8])
    if n > len(raw) - 8:
        raise ValueError(f"{path}: header length {n} runs past the end of the file")
    header = json.loads(raw[8 : 8 + n])
    body = memoryview(raw)[8 + n :]
    out = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        if t["dtype"] not in _DTYPES:
            raise ValueError(f"{path}: {name} has dtype {t['dtype']}, which this reader does not know")
        start, end = t["data_offsets"]
        arr = np.frombuffer(body[start:end], dtype=np.dtype(_DTYPES[t["dtype"]]).newbyteorder("<"))
        out[name] = arr.reshape(t["shape"]).copy()
    return out


def write(path, tensors, metadata=None):
    """tensors: name -> numpy array (float32/float64/int32/int64/…); written in the given order."""
    header, chunks, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    for name, arr in tensors.items():
        a = np.asarray(arr)  # not ascontiguousarray: it turns a scalar (num_batches_tracked) into shape [1]
        a = a if a.flags.c_contiguous else a.copy(order="C")
        if a.dtype not in _NAMES:
            raise ValueError(f"{name}: dtype {a.dtype} cannot be written")
        b = a.astype(a.dtype.newbyteorder("<"), copy=False).tobytes()
        header[name] = {"dtype": _NAMES[a.dtype], "shape": list(a.shape), "data_offsets": [offset, offset + len(b)]}
        chunks.append(b)
        offset += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)  # the data starts 8-byte aligned, as the reference writer does
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in chunks:
            f.write(b)
