"""The service's client examples run as written against a real server: the one on
docs/service.md and the README's (which also names the environment variables it needs)."""

from __future__ import annotations

import contextlib
import io
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

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


@pytest.mark.slow
def test_readme_client_shell_lines_start_a_server_and_give_the_client_its_key(tmp_path: Path):
    """The README's shell lines run as written, then its Python block in the same shell; the
    only change is the port (a free one, so the test cannot meet another server on 8080)."""
    text = README.read_text()
    section = text[text.index("## The memory service and its client") :]
    section = section[: section.index("\n## ")]
    (shell,) = re.findall(r"```bash\n(.*?)```", section, re.S)
    (code,) = _python_blocks(section)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert shell.count("ssmem serve ") == 1 and shell.count(":8080") == 2
    shell = shell.replace("ssmem serve ", f"ssmem serve --port {port} ").replace("8080", str(port))
    (tmp_path / "client.py").write_text(code)
    script = f"set -eu\ntrap 'kill %1 2>/dev/null; wait' EXIT\n{shell}\npython client.py\n"
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    for name in ("SSMEM_URL", "SSMEM_KEY", "SSMEM_ADMIN_KEY"):
        env.pop(name, None)
    res = subprocess.run(
        ["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-3000:]
    assert "[#2] Ana: Budget is now $9,000." in res.stdout
    assert (tmp_path / "ssmem-data").is_dir()
