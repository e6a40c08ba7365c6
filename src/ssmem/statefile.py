"""A byte format for memory states: a JSON header plus raw little-endian arrays. No pickle.

Layout: ``MAGIC`` (8 bytes), the header's length (8 bytes, little-endian), the header (UTF-8
JSON: ``{"kind": ..., "meta": {...}, "arrays": {name: [dtype, shape, offset, nbytes]}}``),
then the arrays' bytes back to back. `pack` is deterministic (same inputs, same bytes: keys
sorted, arrays in name order). `unpack` checks everything it reads -- magic, kind, header
JSON, dtypes from a fixed list, that every array lies inside the data and its size matches
its shape -- and raises `ValueError` with one line saying what is wrong otherwise; the arrays
it returns are copies, never views into the input.
"""

from __future__ import annotations

import json
import math
import struct
from collections.abc import Callable
from typing import Any

import numpy as np

MAGIC = b"SSMEMST1"
DTYPES = ("<f4", "<f8", "<i8", "<i4", "|u1", "|b1")


def pack(
    kind: str,
    meta: dict[str, Any],
    arrays: dict[str, np.ndarray],
    default: Callable[[Any], Any] | None = None,
) -> bytes:
    """`meta` (JSON: no NaN or Infinity; `default` encodes other objects, as in
    `json.dumps`) and `arrays` as one byte string."""
    index: dict[str, list[Any]] = {}
    chunks: list[bytes] = []
    offset = 0
    for name in sorted(arrays):
        arr = np.ascontiguousarray(arrays[name])
        dtype = arr.dtype.newbyteorder("<") if arr.dtype.byteorder == ">" else arr.dtype
        if dtype.str not in DTYPES:
            raise ValueError(f"array {name!r} has dtype {arr.dtype}, not one of {DTYPES}")
        raw = arr.astype(dtype, copy=False).tobytes()
        index[name] = [dtype.str, list(arr.shape), offset, len(raw)]
        chunks.append(raw)
        offset += len(raw)
    header = json.dumps(
        {"kind": kind, "meta": meta, "arrays": index},
        default=default,
        sort_keys=True,
        ensure_ascii=False,
        allow_nan=False,
        separators=(",", ":"),
    ).encode()
    return b"".join([MAGIC, struct.pack("<Q", len(header)), header, *chunks])


def unpack(
    data: bytes, kind: str, object_hook: Callable[[dict[str, Any]], Any] | None = None
) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """(meta, arrays) from bytes `pack` wrote for `kind` (`object_hook` decodes what its
    `default` encoded, as in `json.loads`); `ValueError` on anything else."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise ValueError(f"state must be bytes, not {type(data).__name__}")
    data = bytes(data)
    if len(data) < 16 or data[:8] != MAGIC:
        raise ValueError("not an ssmem state (bad magic)")
    (n,) = struct.unpack("<Q", data[8:16])
    if n > len(data) - 16:
        raise ValueError(f"state header claims {n} bytes but only {len(data) - 16} follow")
    try:
        header = json.loads(data[16 : 16 + n], object_hook=object_hook)
        got_kind, meta, index = header["kind"], header["meta"], header["arrays"]
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, ValueError) as err:
        raise ValueError(f"unreadable state header: {err}") from None
    if got_kind != kind:
        raise ValueError(f"state is a {got_kind!r}, expected {kind!r}")
    if not isinstance(meta, dict) or not isinstance(index, dict):
        raise ValueError("state header: meta and arrays must be objects")
    body = memoryview(data)[16 + n :]
    arrays: dict[str, np.ndarray] = {}
    for name, spec in index.items():
        try:
            dtype, shape, offset, nbytes = spec
            shape = tuple(int(d) for d in shape)
            offset, nbytes = int(offset), int(nbytes)
        except (TypeError, ValueError) as err:
            raise ValueError(f"state array {name!r}: bad entry ({err})") from None
        if dtype not in DTYPES:
            raise ValueError(f"state array {name!r}: dtype {dtype!r} not allowed")
        if min(shape, default=0) < 0 or offset < 0 or offset + nbytes > len(body):
            raise ValueError(f"state array {name!r} lies outside the data")
        if math.prod(shape) * np.dtype(dtype).itemsize != nbytes:
            raise ValueError(f"state array {name!r}: {nbytes} bytes do not fit shape {shape}")
        raw = body[offset : offset + nbytes]
        arrays[name] = np.frombuffer(raw, dtype=dtype).reshape(shape).copy()
    return meta, arrays


__all__ = ["MAGIC", "pack", "unpack"]
