"""The architecture diagram (docs/architecture.md) names only paths that exist, names every
subpackage, and lists the import layers that lint-imports enforces, so it cannot drift from
the layout.
"""

from __future__ import annotations

import importlib.util
import sys
import tomllib
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "docs" / "architecture.py"
PACKAGE = ROOT / "src" / "ssmem"


@pytest.fixture(scope="module")
def diagram() -> ModuleType:
    spec = importlib.util.spec_from_file_location("ssmem_docs_architecture", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being built
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    return module


def _top(path: str) -> str:
    """The top-level module of a path under src/ssmem: "systems/rag.py" -> "systems"."""
    return path.split("/")[0].removesuffix(".py")


def test_every_named_path_exists(diagram: ModuleType) -> None:
    missing = [path for path in diagram.NAMED if not (ROOT / path).exists()]
    assert not missing, f"the diagram names paths that do not exist: {missing}"


def test_every_subpackage_is_named(diagram: ModuleType) -> None:
    subpackages = {p.parent.name for p in PACKAGE.glob("*/__init__.py")}
    named = {Path(path).relative_to("src/ssmem").parts[0] for path in diagram.NAMED}
    assert subpackages, "no subpackages found under src/ssmem"
    assert subpackages <= named, f"add to docs/architecture.py: {sorted(subpackages - named)}"


def test_layers_are_the_import_linter_contract(diagram: ModuleType) -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    (contract,) = [
        c
        for c in config["contracts"]
        if c["type"] == "layers" and c.get("containers") == [config["root_package"]]
    ]
    assert [layer.name for layer in diagram.LAYERS] == contract["layers"]
    for layer in diagram.LAYERS:
        assert {_top(p) for p in layer.paths} == set(layer.name.split(" | ")), layer.name


def test_each_box_is_coloured_by_the_layer_of_its_code(diagram: ModuleType) -> None:
    layers = {layer.name: {_top(p) for p in layer.paths} for layer in diagram.LAYERS}
    keys = {step.key for step in diagram.STEPS}
    for step in diagram.STEPS:
        if step.paths:
            assert _top(step.paths[0]) in layers[step.layer], step.key
        else:
            assert step.layer == "", step.key  # the query and the answer are not code
    for a, b, _, _ in diagram.ARROWS:
        assert {a, b} <= keys


def test_draws_a_png(diagram: ModuleType, tmp_path: Path) -> None:
    out = diagram.draw(tmp_path / "architecture.png")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (SCRIPT.parent / "architecture.png").is_file(), "run: python docs/architecture.py"
