"""The service's client examples run as written against a real server: the one on
docs/service.md and the README's (which also names the environment variables it needs)."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "service.md"
README = ROOT / "README.md"


def _python_blocks(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, re.S)


def _run(code: str, name: str, server, client, monkeypatch) -> str:
    monkeypatch.setenv("SSMEM_URL", server.url)
    monkeypatch.setenv("SSMEM_KEY", server.key_of(client))
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, name, "exec"), {})
    return out.getvalue()


def test_service_page_example_runs(server, monkeypatch):
    (code,) = _python_blocks(PAGE.read_text())
    c = server.tenant()
    printed = _run(code, str(PAGE), server, c, monkeypatch)
    assert "[#0] Ana: Budget is $7,200.\n[#1] Ana: Budget is now $9,000." in printed
    (session,) = c.sessions()
    assert session["events"] == 2  # the retried event was not stored twice


def test_readme_client_example_runs(server, monkeypatch):
    text = README.read_text()
    section = text[text.index("## The memory service and its client") :]
    section = section[: section.index("\n## ")]
    assert "SSMEM_URL" in section and "SSMEM_KEY" in section
    assert "export SSMEM_URL=" in section and "export SSMEM_KEY=" in section
    (code,) = _python_blocks(section)
    c = server.tenant()
    printed = _run(code, str(README), server, c, monkeypatch)
    assert "[#2] Ana: Budget is now $9,000." in printed
    assert "Nobody deploys on Fridays." in printed  # the rule stated first is kept
    (session,) = c.sessions()
    assert session["system"] == "hybrid" and session["events"] == 3
