"""The readers page's Python example (docs/readers.md) runs as written (with the smallest
model)."""

from __future__ import annotations

import re
from pathlib import Path

PAGE = Path(__file__).resolve().parents[2] / "docs" / "readers.md"


def test_llm_readers_example_runs(capsys):
    blocks = re.findall(r"```python\n(.*?)```", PAGE.read_text(), re.DOTALL)
    assert len(blocks) == 1, "the readers page has one Python example"
    exec(compile(blocks[0], str(PAGE), "exec"), {})
    assert capsys.readouterr().out.strip()
