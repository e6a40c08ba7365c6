"""The README's service example runs as written against a real server."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def _service_example() -> str:
    text = README.read_text()
    section = text[text.index("## Memory service") :]
    section = section[: section.index("\n## ", 5)]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    assert len(blocks) == 1
    return blocks[0]


def test_readme_service_example_runs(server, monkeypatch):
    c = server.tenant()
    monkeypatch.setenv("SSMEM_URL", server.url)
    monkeypatch.setenv("SSMEM_KEY", server.key_of(c))
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(_service_example(), str(README), "exec"), {})
    printed = out.getvalue()
    assert "[#0] Ana: Budget is $7,200.\n[#1] Ana: Budget is now $9,000." in printed
    (session,) = c.sessions()
    assert session["events"] == 2  # the retried event was not stored twice
