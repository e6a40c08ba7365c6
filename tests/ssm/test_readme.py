"""The SSM example of docs/compressor.md runs as written (docs that are executed stay true)."""

from __future__ import annotations

import re
from pathlib import Path

PAGE = Path(__file__).resolve().parents[2] / "docs" / "compressor.md"


def test_readme_ssm_example_runs(tmp_path, monkeypatch) -> None:
    text = PAGE.read_text()
    section = text[text.index("## SSM core benchmark") :]
    code = re.search(r"```python\n(.*?)```", section, re.S)
    assert code, "the SSM section has no python example"
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(code.group(1), str(PAGE), "exec"), namespace)
    assert namespace["y_t"].shape == (4, 64)
    assert (tmp_path / "ckpt" / "model.safetensors").exists()
