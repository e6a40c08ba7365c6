"""The README's SSM example runs as written (docs that are executed stay true)."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_ssm_example_runs(tmp_path, monkeypatch) -> None:
    text = README.read_text()
    section = text[text.index("## SSM core benchmark") :]
    code = re.search(r"```python\n(.*?)```", section, re.S)
    assert code, "the SSM section has no python example"
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(code.group(1), "README.md", "exec"), namespace)
    assert namespace["y_t"].shape == (4, 64)
    assert (tmp_path / "ckpt" / "model.safetensors").exists()
