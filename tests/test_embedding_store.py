"""The persistent embedding store: vectors keyed by (encoder identity, text), checked on read,
shared by encoder instances so a second run skips the model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ssmem.encoders.store import EmbeddingStore
from ssmem.errors import InputError


def test_vectors_round_trip_per_identity(tmp_path: Path) -> None:
    path = tmp_path / "v.sqlite"
    a = EmbeddingStore(path, "model-a/max256", 4)
    vecs = np.arange(8, dtype=np.float32).reshape(2, 4)
    a.put(["x", "y"], vecs)
    got = a.get(["y", "x", "z"])
    assert set(got) == {"x", "y"}
    np.testing.assert_array_equal(got["y"], vecs[1])
    assert (a.hits, a.misses) == (2, 1)
    other = EmbeddingStore(path, "model-a/max128", 4)  # another truncation: no shared rows
    assert other.get(["x"]) == {}
    assert len(a) == 2


def test_a_row_of_another_size_is_an_error_not_a_reuse(tmp_path: Path) -> None:
    path = tmp_path / "v.sqlite"
    EmbeddingStore(path, "m", 4).put(["x"], np.ones((1, 4), dtype=np.float32))
    with pytest.raises(InputError, match="expected 3"):
        EmbeddingStore(path, "m", 3).get(["x"])
    with pytest.raises(ValueError, match="expected"):
        EmbeddingStore(path, "m", 4).put(["x", "y"], np.ones((1, 4), dtype=np.float32))


def test_bad_paths_are_one_line_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="directory does not exist"):
        EmbeddingStore(tmp_path / "nope" / "v.sqlite", "m", 4)
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"this is not a database file at all" * 100)
    with pytest.raises(InputError, match="not an embedding store"):
        EmbeddingStore(junk, "m", 4)


def test_a_second_encoder_reads_the_store_instead_of_the_model(tmp_path: Path) -> None:
    from ssmem.encoders.minilm import EncoderConfig, MiniLMEncoder

    path = str(tmp_path / "v.sqlite")
    texts = ["the venue deposit is $450", "door code 4719#"]
    first = MiniLMEncoder(EncoderConfig(store=path))
    want = first.encode(texts)
    assert first.encoded == 2
    second = MiniLMEncoder(EncoderConfig(store=path))
    got = second.encode([texts[1], texts[0], "a new text"])
    assert second.encoded == 1  # only the text the store did not hold went through the model
    np.testing.assert_array_equal(got[:2], want[::-1])
    np.testing.assert_allclose(got[2], MiniLMEncoder().encode(["a new text"])[0], atol=1e-5)
