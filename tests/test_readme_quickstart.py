"""The README's quickstart runs verbatim in a fresh folder: its shell block through bash with
the venv's `ssmem` on PATH, then its Python block in the same folder. The only difference
from a user's run is the reader: `SSMEM_BACKEND` picks the smallest packaged model (the
default 1.5B answers the same way, slower)."""

from __future__ import annotations

import contextlib
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from ssmem.llm.models import SMALLEST_MODEL, installed_models

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
SAMPLE = ROOT / "src" / "ssmem" / "data" / "samples" / "meeting.jsonl"


def quickstart() -> tuple[str, str]:
    """(the shell block, the Python block) of the README's Quickstart section."""
    text = README.read_text()
    start = text.index("## Quickstart")
    section = text[start : text.index("\n## ", start + 5)]
    (shell,) = re.findall(r"```bash\n(.*?)```", section, re.S)
    (python,) = re.findall(r"```python\n(.*?)```", section, re.S)
    return shell, python


@pytest.mark.slow
def test_the_quickstart_runs_verbatim(tmp_path: Path, monkeypatch) -> None:
    if SMALLEST_MODEL not in installed_models():
        pytest.skip(f"{SMALLEST_MODEL} is not installed (make models)")
    shell, python = quickstart()
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "SSMEM_BACKEND": SMALLEST_MODEL,
    }
    res = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", shell],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert res.returncode == 0, res.stderr[-3000:]
    assert (tmp_path / "meeting.jsonl").read_text() == SAMPLE.read_text()
    out = res.stdout
    assert re.search(r"^# hybrid · \d+/256 tokens · 42 events$", out, re.M), out[:2000]
    assert re.search(r"^# memory · \d+/256 tokens", out, re.M), out[:2000]
    assert "[#" in out
    assert re.search(r"^  citations: .* · prompt \d+ tokens", out, re.M), out[-2000:]
    assert res.stderr == ""  # no progress bars or warnings when not on a terminal

    monkeypatch.chdir(tmp_path)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(python, f"{README}:Quickstart", "exec"), {})
    lines = printed.getvalue().splitlines()
    assert int(lines[0].split()[0]) <= 256 and lines[0].endswith(" tokens")
    assert "[#42] Ana: Ads budget is now $9,500." in printed.getvalue()  # the newest event


def test_the_quickstart_names_only_commands_and_files_that_exist() -> None:
    """Cheap check for `make test -m 'not slow'`: the sample it writes is the packaged one."""
    shell, python = quickstart()
    assert shell.startswith("ssmem sample > meeting.jsonl")
    assert 'load_events("meeting.jsonl")' in python
    assert SAMPLE.is_file()
