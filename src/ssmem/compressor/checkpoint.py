"""Compressor checkpoints: weights in safetensors, configs and training record in JSON.

A checkpoint is a directory with `model.safetensors` and `config.json`. Loading never
unpickles: a file that is not safetensors is refused with a one-line `InputError`. The
default checkpoint ships inside the package (`ssmem/data/compressor/`); `ssmem train
--preset default` rebuilds it.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from ssmem.compressor.settings import ReadConfig
from ssmem.compressor.write.materializer import MaterializerConfig
from ssmem.compressor.write.model import CompressorConfig, CompressorNet
from ssmem.errors import InputError

WEIGHTS = "model.safetensors"
CONFIG = "config.json"


def default_checkpoint_dir() -> Path:
    return Path(str(resources.files("ssmem") / "data" / "compressor"))


def save_checkpoint(
    directory: str | Path,
    net: CompressorNet,
    materializer: MaterializerConfig,
    record: dict[str, Any] | None = None,
    read: ReadConfig | None = None,
) -> Path:
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    tensors = {k: v.detach().contiguous().clone() for k, v in net.state_dict().items()}
    save_file(tensors, str(d / WEIGHTS))
    meta = {
        "format": "ssmem-compressor/1",
        "model": net.config.to_dict(),
        "materializer": materializer.to_dict(),
        "read": (read or ReadConfig()).to_dict(),
        "record": record or {},
    }
    (d / CONFIG).write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
    return d


def load_checkpoint(
    directory: str | Path | None = None,
) -> tuple[CompressorNet, MaterializerConfig, dict]:
    """(net in eval mode, materializer config, the whole JSON meta; `read_config(meta)` is
    its read-side settings)."""
    d = Path(directory) if directory is not None else default_checkpoint_dir()
    cfg_path, w_path = d / CONFIG, d / WEIGHTS
    if not cfg_path.is_file() or not w_path.is_file():
        raise InputError(
            f"no compressor checkpoint here (need {CONFIG} and {WEIGHTS}); run `ssmem train`",
            path=str(d),
        )
    try:
        meta = json.loads(cfg_path.read_text())
        model_cfg = CompressorConfig(**meta["model"])
        mat_cfg = MaterializerConfig(**meta["materializer"])
        ReadConfig.from_dict(meta.get("read", {}))  # checked here, read by `read_config`
    except (json.JSONDecodeError, KeyError, TypeError) as err:
        raise InputError(f"bad checkpoint config: {err}", path=str(cfg_path)) from None
    try:
        tensors = load_file(str(w_path))
    except (SafetensorError, OSError, ValueError) as err:
        raise InputError(f"not a safetensors file ({err})", path=str(w_path)) from None
    net = CompressorNet(model_cfg)
    missing, unexpected = net.load_state_dict(tensors, strict=False)
    if missing or unexpected:
        raise InputError(
            f"weights do not match the config (missing {missing[:3]}, unexpected {unexpected[:3]})",
            path=str(w_path),
        )
    net.eval()
    return net, mat_cfg, meta


def read_config(meta: dict[str, Any]) -> ReadConfig:
    """The read-side settings a checkpoint's meta holds (defaults where it has none)."""
    return ReadConfig.from_dict(meta.get("read", {}))
