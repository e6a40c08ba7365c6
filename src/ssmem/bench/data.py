"""Where the real data sets live (read in place, never copied into the repo).

`SSMEM_SHARED_DATA` overrides; the default is `../shared/data` next to the repository.
"""

from __future__ import annotations

import os
from pathlib import Path

from ssmem.errors import InputError


def data_dir() -> Path:
    env = os.environ.get("SSMEM_SHARED_DATA")
    candidates = [Path(env)] if env else []
    candidates += [
        Path.cwd().parent / "shared" / "data",
        Path(__file__).resolve().parents[4] / "shared" / "data",
    ]
    for c in candidates:
        if c.is_dir():
            return c
    raise InputError(f"real data not found (tried {candidates[0]}); set SSMEM_SHARED_DATA")


def data_file(*parts: str) -> Path:
    path = data_dir().joinpath(*parts)
    if not path.is_file():
        raise InputError("missing data file (set SSMEM_SHARED_DATA?)", path=str(path))
    return path
