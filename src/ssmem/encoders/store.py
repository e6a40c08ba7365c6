"""A persistent embedding store for quality benchmarks: vectors computed once, read back by any
later run or worker process (SQLite, one row per text).

Why: a LongMemEval-S haystack is ~500 turns of ~1 KB, and the 2-core machine encodes ~37 of
them a second, so every system that embeds pays ~13 s per haystack; 255 haystacks are ~50
minutes per system per run. Quality figures do not depend on when a vector was computed, so
`ssmem bench --embed-store PATH` lets runs share them. Speed figures must not be taken with a
store (its hits skip the model): the benchmark records the store in its meta and the report
says ingest times are not measured.

Contract: a row is keyed by sha256 of (the encoder's `identity`, the text), so two models, or
one model truncating at another length, never share a row. Values are float32 little-endian
bytes of the encoder's dimension; a row of another length is an error, never a silent reuse.
Writes are committed per `put` call; concurrent processes may read and write one file
(SQLite's locking, WAL mode, a 60 s busy timeout).
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from pathlib import Path

import numpy as np

from ssmem.errors import InputError

ENV = "SSMEM_EMBED_STORE"  # the path a worker process opens (set by `ssmem bench --embed-store`)


class EmbeddingStore:
    """Vectors by (encoder identity, text) in one SQLite file."""

    def __init__(self, path: str | Path, identity: str, dim: int) -> None:
        self.path = Path(path)
        self.identity = identity
        self.dim = dim
        if not self.path.parent.is_dir():
            raise InputError("directory does not exist", path=str(self.path.parent))
        try:
            self._db = sqlite3.connect(self.path, timeout=60, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS vectors (key BLOB PRIMARY KEY, vec BLOB NOT NULL)"
            )
            self._db.commit()
        except sqlite3.DatabaseError as err:
            raise InputError(f"not an embedding store ({err})", path=str(self.path)) from None
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def _key(self, text: str) -> bytes:
        h = hashlib.sha256(self.identity.encode())
        h.update(b"\0")
        h.update(text.encode("utf-8", "surrogatepass"))
        return h.digest()

    def get(self, texts: list[str]) -> dict[str, np.ndarray]:
        """The stored vectors of those `texts` that have one."""
        keys = {self._key(t): t for t in dict.fromkeys(texts)}
        found: dict[str, np.ndarray] = {}
        items = list(keys)
        with self._lock:
            for i in range(0, len(items), 500):
                part = items[i : i + 500]
                rows = self._db.execute(
                    f"SELECT key, vec FROM vectors WHERE key IN ({','.join('?' * len(part))})",
                    part,
                ).fetchall()
                for key, blob in rows:
                    vec = np.frombuffer(blob, dtype="<f4")
                    if vec.shape != (self.dim,):
                        raise InputError(
                            f"stored vector has {vec.size} values, expected {self.dim}",
                            path=str(self.path),
                        )
                    found[keys[key]] = vec.astype(np.float32)
            self.hits += len(found)
            self.misses += len(keys) - len(found)
        return found

    def put(self, texts: list[str], vecs: np.ndarray) -> None:
        """Store one vector per text (rows already present are left as they are)."""
        if vecs.shape != (len(texts), self.dim):
            raise ValueError(f"expected ({len(texts)}, {self.dim}) vectors, got {vecs.shape}")
        rows = [
            (self._key(t), np.ascontiguousarray(v, dtype="<f4").tobytes())
            for t, v in zip(texts, vecs, strict=True)
        ]
        with self._lock:
            self._db.executemany("INSERT OR IGNORE INTO vectors VALUES (?, ?)", rows)
            self._db.commit()

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM vectors").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()
