"""Save and restore model weights and recurrent states: safetensors for tensors, JSON for the
config. Restoring is bit-exact; nothing is ever unpickled (a pickle file is refused).

Layout: a model is a directory with `config.json` + `model.safetensors`; a state is one
`.safetensors` file with tensors `conv.{i}` / `ssm.{i}` and its kind in the metadata.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

import torch
from safetensors import safe_open
from safetensors.torch import save_file

from ssmem.errors import InputError
from ssmem.ssm.config import MambaConfig
from ssmem.ssm.model import MambaModel
from ssmem.ssm.state import SSMState

STATE_KIND = "ssmem.ssm_state/1"
MODEL_KIND = "ssmem.mamba_model/1"
CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.safetensors"


def save_state(path: str | Path, state: SSMState) -> None:
    """Writes `state` (all streams of the batch) to one safetensors file."""
    tensors = {f"conv.{i}": t.detach().contiguous().cpu() for i, t in enumerate(state.conv)}
    tensors |= {f"ssm.{i}": t.detach().contiguous().cpu() for i, t in enumerate(state.ssm)}
    save_file(tensors, str(path), metadata={"kind": STATE_KIND, "n_layer": str(state.n_layer)})


def load_state(path: str | Path, config: MambaConfig | None = None) -> SSMState:
    """Reads a state written by `save_state`; with `config`, checks it fits that model."""
    tensors, meta = _read_safetensors(path, STATE_KIND)
    try:
        n = int(meta["n_layer"])
        state = SSMState(
            tuple(tensors.pop(f"conv.{i}") for i in range(n)),
            tuple(tensors.pop(f"ssm.{i}") for i in range(n)),
        )
    except (KeyError, ValueError) as err:
        raise InputError(f"not a complete ssmem state ({err})", path=str(path)) from None
    if tensors:
        raise InputError(f"unexpected tensors {sorted(tensors)}", path=str(path))
    if config is not None:
        ref = SSMState.zeros(config, state.batch_size)
        shapes = [t.shape for t in (*state.conv, *state.ssm)]
        if state.n_layer != config.n_layer or shapes != [t.shape for t in (*ref.conv, *ref.ssm)]:
            raise InputError(
                "state does not fit the model config (layers or sizes differ)", path=str(path)
            )
    return state


def save_model(directory: str | Path, model: MambaModel) -> None:
    """Writes `config.json` and `model.safetensors` into `directory` (created if needed)."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    (out / CONFIG_FILE).write_text(json.dumps(model.config.to_dict(), indent=2) + "\n")
    weights = {k: v.detach().contiguous().cpu() for k, v in model.state_dict().items()}
    save_file(weights, str(out / WEIGHTS_FILE), metadata={"kind": MODEL_KIND})


def load_model(directory: str | Path) -> MambaModel:
    """Builds the model from `config.json` and loads `model.safetensors` (strict, exact)."""
    src = Path(directory)
    cfg_path = src / CONFIG_FILE
    try:
        data = json.loads(cfg_path.read_text())
    except FileNotFoundError:
        raise InputError("missing model config", path=str(cfg_path)) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise InputError(f"invalid JSON: {err}", path=str(cfg_path)) from None
    model = MambaModel(MambaConfig.from_dict(data, source=str(cfg_path)))
    weights, _ = _read_safetensors(src / WEIGHTS_FILE, MODEL_KIND)
    want = {k: v.shape for k, v in model.state_dict().items()}
    got = {k: v.shape for k, v in weights.items()}
    if got != want:
        missing = sorted(set(want) - set(got))
        unexpected = sorted(set(got) - set(want))
        wrong = sorted(k for k in set(got) & set(want) if got[k] != want[k])
        raise InputError(
            f"weights do not match the config: missing {missing}, unexpected {unexpected}, "
            f"wrong shape {wrong}",
            path=str(src / WEIGHTS_FILE),
        )
    model.load_state_dict(weights, strict=True)
    return model


def _read_safetensors(path: str | Path, kind: str) -> tuple[dict[str, torch.Tensor], dict]:
    """All tensors and the metadata of a safetensors file whose metadata kind is `kind`."""
    path = Path(path)
    try:
        with path.open("rb") as f:
            head = f.read(9)
    except FileNotFoundError:
        raise InputError("no such file", path=str(path)) from None
    if head[:1] == b"\x80" or head[:2] == b"PK":
        raise InputError(
            "looks like a pickle / torch.save checkpoint; ssmem never unpickles -- "
            "save weights and states as safetensors",
            path=str(path),
        )
    size = path.stat().st_size
    if len(head) < 9 or head[8:9] != b"{" or struct.unpack("<Q", head[:8])[0] > size - 8:
        raise InputError("not a safetensors file", path=str(path))
    try:
        with safe_open(str(path), framework="pt", device="cpu") as f:
            meta = f.metadata() or {}
            tensors = {k: f.get_tensor(k) for k in f.keys()}  # noqa: SIM118 (not a dict)
    except Exception as err:  # safetensors raises its own error type for corrupt files
        raise InputError(f"unreadable safetensors file: {err}", path=str(path)) from None
    if meta.get("kind") != kind:
        raise InputError(f"expected a {kind} file, found kind {meta.get('kind')!r}", path=str(path))
    return tensors, meta
