"""Snapshots: save -> restore -> continue equals never stopping, bit for bit; loading refuses
anything that is not safetensors + JSON and never unpickles."""

from __future__ import annotations

import json
import pickle

import pytest
import torch

from ssmem.errors import InputError
from ssmem.ssm import load_model, load_state, save_model, save_state


@pytest.mark.parametrize("batch", [1, 3])
def test_step_snapshot_restore_continue_is_bit_exact(model, inputs, tmp_path, batch) -> None:
    x = inputs(batch, 30)
    with torch.no_grad():
        state, ys = None, []
        for t in range(30):
            y, state = model.step(x[:, t], state)
            ys.append(y)
            if t == 11:
                save_model(tmp_path / "m", model)
                save_state(tmp_path / "s.safetensors", state)
        model2 = load_model(tmp_path / "m").eval()
        state2 = load_state(tmp_path / "s.safetensors", model2.config)
        for t in range(12, 30):
            y, state2 = model2.step(x[:, t], state2)
            assert torch.equal(y, ys[t]), t
    assert all(torch.equal(a, b) for a, b in zip(state.ssm, state2.ssm, strict=True))
    assert all(torch.equal(a, b) for a, b in zip(state.conv, state2.conv, strict=True))


def test_chunked_ingest_snapshot_is_bit_exact(model, inputs, tmp_path) -> None:
    x = inputs(2, 50)
    with torch.no_grad():
        _, mid = model(x[:, :23])
        y_cont, end = model(x[:, 23:], mid)
        save_state(tmp_path / "s.safetensors", mid)
        y_rest, end2 = model(x[:, 23:], load_state(tmp_path / "s.safetensors"))
    assert torch.equal(y_cont, y_rest)
    assert all(torch.equal(a, b) for a, b in zip(end.ssm, end2.ssm, strict=True))


def test_weights_round_trip_exactly(model, inputs, tmp_path) -> None:
    save_model(tmp_path / "m", model)
    loaded = load_model(tmp_path / "m")
    assert loaded.config == model.config
    for (k, a), (k2, b) in zip(
        model.state_dict().items(), loaded.state_dict().items(), strict=True
    ):
        assert k == k2 and torch.equal(a, b)


@pytest.fixture
def no_unpickling(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("something tried to unpickle")

    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(pickle, "loads", refuse)
    monkeypatch.setattr(torch, "load", refuse)


def test_pickle_state_is_refused_without_unpickling(tmp_path, model, no_unpickling) -> None:
    path = tmp_path / "s.safetensors"
    path.write_bytes(pickle.dumps({"ssm.0": [1.0]}))
    with pytest.raises(InputError, match="pickle"):
        load_state(path)


def test_torch_save_weights_are_refused(tmp_path, model, no_unpickling) -> None:
    save_model(tmp_path / "m", model)
    real_torch_save = torch.save  # not patched: writing a pickle is fine, reading is not
    real_torch_save(model.state_dict(), tmp_path / "m" / "model.safetensors")
    with pytest.raises(InputError, match=r"model\.safetensors.*never unpickles"):
        load_model(tmp_path / "m")


def test_bad_files_are_reported_with_their_path(tmp_path, model) -> None:
    save_model(tmp_path / "m", model)
    with pytest.raises(InputError, match="kind"):  # a weights file is not a state
        load_state(tmp_path / "m" / "model.safetensors")
    (tmp_path / "junk").write_bytes(b"hello world, not tensors")
    with pytest.raises(InputError, match="junk: not a safetensors file"):
        load_state(tmp_path / "junk")
    with pytest.raises(InputError, match="no such file"):
        load_state(tmp_path / "missing.safetensors")
    cfg = json.loads((tmp_path / "m" / "config.json").read_text())
    (tmp_path / "m" / "config.json").write_text(json.dumps(cfg | {"d_modle": 3}))
    with pytest.raises(InputError, match=r"config\.json: unknown config keys \['d_modle'\]"):
        load_model(tmp_path / "m")
    (tmp_path / "m" / "config.json").write_text(json.dumps(cfg | {"d_state": 8}))
    with pytest.raises(InputError, match="do not match the config"):
        load_model(tmp_path / "m")


def test_state_of_another_model_is_refused(model, inputs, tmp_path) -> None:
    with torch.no_grad():
        _, state = model(inputs(1, 4))
    save_state(tmp_path / "s.safetensors", state)
    other = model.config.to_dict() | {"d_state": 8}
    from ssmem.ssm import MambaConfig

    with pytest.raises(InputError, match="does not fit"):
        load_state(tmp_path / "s.safetensors", MambaConfig(**other))
