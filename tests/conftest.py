"""Shared fixtures: where the real evaluation data lives (../shared/data beside the repo)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def shared_data_dir() -> Path:
    return Path(os.environ.get("SSMEM_SHARED_DATA", ROOT.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    path = shared_data_dir()
    if not path.is_dir():
        pytest.skip(f"real data not found at {path} (set SSMEM_SHARED_DATA)")
    return path


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[[list[str]], tuple[int, str, str]]:
    """Run `ssmem ARGV` in process: returns (exit code, stdout, stderr)."""
    from ssmem.cli.main import main

    def run(argv: list[str]) -> tuple[int, str, str]:
        code = 0
        try:
            main(argv)
        except SystemExit as exit_:
            code = int(exit_.code or 0)
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture(scope="session")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`python -m llama_cpp.server` serving the smallest packaged model; yields its /v1 URL."""
    from ssmem.bench.proxy_load import start_llama_server, stop
    from ssmem.llm.models import SMALLEST_MODEL

    log = tmp_path_factory.mktemp("llama-server") / "server.log"
    proc, url = start_llama_server(SMALLEST_MODEL, 2048, log)
    yield url
    stop(proc)
