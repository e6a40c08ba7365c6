"""The README's "LLM readers" Python example runs as written (with the smallest model)."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def test_llm_readers_example_runs(capsys):
    text = README.read_text()
    section = text[text.index("## LLM readers") :]
    section = section[: section.index("\n## ", 3)]
    code = re.search(r"```python\n(.*?)```", section, re.DOTALL).group(1)
    exec(compile(code, "README.md:LLM readers", "exec"), {})
    assert capsys.readouterr().out.strip()
