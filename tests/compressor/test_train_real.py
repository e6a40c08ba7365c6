"""Training on real text: the partial labels say only what the source states, never touch the
benchmark's data, and the losses skip what is unknown."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from ssmem.bench.longmemeval import split_of
from ssmem.compressor.write.features import default_featurizer
from ssmem.compressor.write.model import CompressorConfig, CompressorNet
from ssmem.errors import InputError
from ssmem.train.change import change_loss
from ssmem.train.data import collate, example_from_real
from ssmem.train.real import (
    LOGHUB_CALIBRATION,
    LOGHUB_EVAL,
    NOISE_AFTER,
    alarm,
    locomo_training,
    loghub_training,
    longmemeval_training,
    real_training,
)
from ssmem.train.slot_heads import type_loss
from ssmem.train.utility import utility_loss


def test_loghub_labels_come_from_template_repetition(shared_data: Path) -> None:
    streams = loghub_training("fit")
    systems = {r.stream.info["system"] for r in streams}
    assert not systems & set(LOGHUB_EVAL + LOGHUB_CALIBRATION)  # BGL is the benchmark's
    assert len(systems) >= 10
    real = streams[0]
    assert not real.stream.questions and not real.utility_known
    from ssmem.adapters.loghub import load_loghub_csv

    path = shared_data / "loghub" / real.stream.info["system"]
    rows = load_loghub_csv(next(path.glob("*_structured.csv")))[: len(real.stream.events)]
    seen: dict[str, int] = {}
    for ev, row in zip(real.stream.events, rows, strict=True):
        n = seen.get(row.meta["EventId"], 0)
        noise = n >= NOISE_AFTER and not alarm(row)
        assert real.keep.get(ev.seq) == (True if n == 0 else False if noise else None)
        assert row.text in ev.text  # the content is the event's text
        seen[row.meta["EventId"]] = n + 1
    # a fault repeated on many nodes is never noise: Hadoop's WARN/ERROR lines recur
    hadoop = [r for r in streams if r.stream.info["system"] == "Hadoop"]
    rows = load_loghub_csv(next((shared_data / "loghub" / "Hadoop").glob("*_structured.csv")))
    levels = {
        (r.stream.seed, e.seq): rows[r.stream.seed * 500 + e.seq].meta["Level"]
        for r in hadoop
        for e in r.stream.events
    }
    labelled = [(levels[(r.stream.seed, s)], k) for r in hadoop for s, k in r.keep.items()]
    assert any(lv == "INFO" and not k for lv, k in labelled)
    assert all(k for lv, k in labelled if lv in ("WARN", "ERROR", "FATAL"))
    assert sum(lv == "WARN" for lv, _ in labelled) > 0
    calibration = {r.stream.info["system"] for r in loghub_training("calibration")}
    assert calibration == set(LOGHUB_CALIBRATION)


def test_real_sources_never_reach_the_benchmarks_items(shared_data: Path) -> None:
    with pytest.raises(InputError, match="0-2"):
        locomo_training((2, 3))
    with pytest.raises(InputError, match="not 'eval'"):
        longmemeval_training("eval")
    with pytest.raises(InputError, match="unknown real training source 'bgl'"):
        real_training(["bgl"])
    fit = longmemeval_training("fit", limit=6)
    assert all(split_of(r.stream.info["question_id"]) == "fit" for r in fit)
    labelled = 0
    for r in fit:  # the has_answer turns are the ones to keep, and the only ones labelled
        marked = {e.seq for e in r.stream.events if e.meta["has_answer"]}
        assert set(r.keep) == marked and all(r.keep.values())
        assert r.utility_known == bool(marked)  # an abstention item marks no turn
        labelled += bool(marked)
    assert labelled >= 4


def test_real_example_masks_what_its_source_does_not_say(shared_data: Path) -> None:
    feat = default_featurizer()
    conv = locomo_training((3,))[0]
    ex = example_from_real(conv, feat)
    assert not ex.type_known.any() and not ex.update_known.any() and ex.utility_known.all()
    evidence = {s for q in conv.stream.questions for s in q.evidence}
    index = {e.seq: i for i, e in enumerate(conv.stream.events)}
    assert {i for i in range(ex.length) if ex.utility[i] > 0} == {index[s] for s in evidence}
    assert ex.keep_known.sum() == len(evidence) and ex.q_pos.shape[0] > 50
    logs = example_from_real(loghub_training("fit")[0], feat)
    assert not logs.utility_known.any() and logs.keep_known.any() and (logs.keep == 0).any()


def test_losses_ignore_unknown_labels(shared_data: Path) -> None:
    """Changing the (meaningless) type and update tensors of a real example changes no loss;
    changing its retention label does change the type loss."""
    feat = default_featurizer()
    ex = example_from_real(loghub_training("fit")[0], feat)
    torch.manual_seed(0)
    net = CompressorNet(CompressorConfig())
    heads, _ = net(collate([ex]).x)
    before = (type_loss(heads, collate([ex])), change_loss(heads, collate([ex])))
    ex.type_id[:] = 3
    ex.update[:] = 1.0
    after = (type_loss(heads, collate([ex])), change_loss(heads, collate([ex])))
    assert torch.equal(before[0], after[0]) and torch.equal(before[1], after[1])
    assert float(utility_loss(heads, collate([ex])).detach()) == 0.0  # no utility labels at all
    ex.keep[:] = 1 - ex.keep
    assert not torch.equal(type_loss(heads, collate([ex])), before[0])


@pytest.mark.slow
def test_tiny_real_training_calibrates_retention_on_held_out_logs(
    shared_data: Path, tmp_path: Path
) -> None:
    from ssmem.compressor.checkpoint import load_checkpoint
    from ssmem.train.trainer import PRESETS, train

    final = train(PRESETS["tiny-real"], tmp_path / "run", quiet=True)
    _, mat, meta = load_checkpoint(final)
    calib = meta["record"]["calibration"]
    assert calib["real_streams"] == 4  # Thunderbird_2k in four 500-line streams
    chosen = next(r for r in calib["keep"] if r["keep"] == mat.keep_threshold)
    assert {"real_recall", "real_noise_dropped"} <= set(chosen)
    assert meta["record"]["preset_config"]["real"] == ["loghub"]
