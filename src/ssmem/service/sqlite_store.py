"""SQLite backend (default): one file in WAL mode, one connection per thread.

Writers take the lock up front (`BEGIN IMMEDIATE`) so two batches never deadlock on upgrade;
`synchronous=FULL` fsyncs every commit, so an acknowledged batch survives a crash or power cut.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any, ClassVar

from ssmem.service.store import Store

SYNC_MODES = ("OFF", "NORMAL", "FULL", "EXTRA")


class SqliteStore(Store):
    types: ClassVar[dict[str, str]] = {
        "autoid": "INTEGER PRIMARY KEY AUTOINCREMENT",
        "float": "REAL",
        "blob": "BLOB",
    }

    # SQLite has one writer at a time; waiting on a Python lock wakes the next writer at once,
    # where SQLite's busy handler would sleep and poll.
    serial_writes = True

    def __init__(self, path: str, synchronous: str = "FULL") -> None:
        super().__init__()
        if synchronous.upper() not in SYNC_MODES:
            raise ValueError(f"sqlite_synchronous must be one of {SYNC_MODES}")
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.synchronous = synchronous.upper()

    def _connect(self) -> Any:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(f"PRAGMA synchronous={self.synchronous}")
        conn.execute("PRAGMA busy_timeout=10000")
        return conn

    def _begin(self, conn: Any, write: bool) -> None:
        conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
