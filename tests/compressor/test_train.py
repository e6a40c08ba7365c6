"""Training: the tiny preset runs end to end, resumes exactly, and refuses eval streams."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from ssmem.bench import generate
from ssmem.compressor.checkpoint import load_checkpoint
from ssmem.compressor.write.features import default_featurizer
from ssmem.errors import InputError
from ssmem.train.calibrate import MATCH_GRID
from ssmem.train.data import example_from_stream
from ssmem.train.trainer import PRESETS, train


@pytest.mark.slow
def test_tiny_training_resumes_to_identical_weights(tmp_path: Path) -> None:
    cfg = PRESETS["tiny"]
    straight = train(cfg, tmp_path / "a", quiet=True)
    assert train(cfg, tmp_path / "b", quiet=True, stop_after=2) is None
    resumed = train(cfg, tmp_path / "b", quiet=True)
    a = load_file(str(straight / "model.safetensors"))
    b = load_file(str(resumed / "model.safetensors"))
    assert a.keys() == b.keys()
    for k in a:
        assert torch.equal(a[k], b[k]), k
    _, mat, meta = load_checkpoint(straight)
    assert meta["record"]["steps"] == cfg.steps
    assert mat.match_threshold in MATCH_GRID and 0.0 < mat.keep_threshold < 1.0
    assert meta["record"]["calibration"]["seeds"][0] >= 500_000  # held-out train seeds


def test_training_refuses_eval_streams() -> None:
    stream = generate("meeting", "eval", 1_000_000, 600)
    with pytest.raises(InputError, match="train-split streams only"):
        example_from_stream(stream, default_featurizer())


def test_targets_follow_ground_truth() -> None:
    stream = generate("incident", "train", 11, 3000)
    ex = example_from_stream(stream, default_featurizer())
    for i, ev in enumerate(stream.events):
        label = stream.labels[ev.seq]
        assert bool(ex.update[i]) == (label.supersedes is not None)
        if label.supersedes is not None:  # an update shares its key with what it replaces
            old = next(j for j, e in enumerate(stream.events) if e.seq == label.supersedes)
            assert ex.key_id[i] == ex.key_id[old]
            assert ex.superseded_by[old] == i
    assert ex.q_pos.any(dim=1).all()
