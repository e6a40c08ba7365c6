"""Shared by the adapter tests: one local memory (system "hybrid", the default) per module."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ssmem.integrations.sessions import LocalSessions


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("adapter") / "data"


@pytest.fixture(scope="module")
def sessions(data_dir: Path) -> Iterator[LocalSessions]:
    mem = LocalSessions(data_dir)
    yield mem
    mem.close()
