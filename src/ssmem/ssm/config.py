"""`MambaConfig`: every size and init constant of the selective SSM, saved as JSON next to
the weights. Derived fields (`d_inner`, `dt_rank`) are filled in `__post_init__`.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from ssmem.errors import InputError


@dataclass
class MambaConfig:
    d_model: int = 128  # width of the residual stream (input and output vectors)
    n_layer: int = 2
    d_state: int = 16  # N: state size per channel
    expand: int = 2  # d_inner = expand * d_model
    d_conv: int = 4  # width of the causal depthwise conv
    dt_rank: int = 0  # rank of the Δ projection; 0 means ceil(d_model / 16) as in Mamba
    dt_min: float = 1e-3  # Δ is initialised log-uniform in [dt_min, dt_max] ...
    dt_max: float = 1e-1
    dt_init_floor: float = 1e-4  # ... and never below this
    # Per-step log-decay Δ·A is clamped here in every path (reference, chunked, step): with
    # chunks of 16 the cumulative decay stays >= -80, so exp(-S) stays inside float32.
    log_decay_min: float = -5.0
    chunk_size: int = 16  # default chunk of the chunked scan; 16 * 5 = 80 < log(float32 max)
    norm_eps: float = 1e-5
    bias: bool = False  # bias of in_proj / out_proj
    conv_bias: bool = True
    d_inner: int = field(init=False)

    def __post_init__(self) -> None:
        for name in ("d_model", "n_layer", "d_state", "expand", "d_conv", "chunk_size"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise InputError(f"must be a positive integer, got {value!r}", field=name)
        if not isinstance(self.dt_rank, int) or self.dt_rank < 0:
            raise InputError(f"must be an integer >= 0, got {self.dt_rank!r}", field="dt_rank")
        if not 0 < self.dt_min <= self.dt_max:
            raise InputError(f"need 0 < dt_min <= dt_max, got {self.dt_min}, {self.dt_max}")
        if not self.log_decay_min < 0:
            raise InputError("must be negative", field="log_decay_min")
        if self.chunk_size * -self.log_decay_min > 85:  # exp(88.7) is float32's max
            raise InputError(
                f"chunk_size * -log_decay_min = {self.chunk_size * -self.log_decay_min:g} "
                "would overflow float32 in the chunked scan (keep it <= 85)",
                field="chunk_size",
            )
        self.d_inner = self.expand * self.d_model
        if self.dt_rank == 0:
            self.dt_rank = math.ceil(self.d_model / 16)

    def to_dict(self) -> dict[str, Any]:
        """The init fields only (what `from_dict` takes back); `d_inner` is derived."""
        data = asdict(self)
        del data["d_inner"]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, source: str | None = None) -> MambaConfig:
        """Builds a config from JSON data; unknown keys are an error, not silently dropped."""
        if not isinstance(data, dict):
            raise InputError("config must be a JSON object", path=source)
        known = {f.name for f in fields(cls) if f.init}
        unknown = sorted(set(data) - known)
        if unknown:
            raise InputError(f"unknown config keys {unknown}", path=source)
        try:
            return cls(**data)
        except InputError as err:
            raise InputError(err.problem, path=source, field=err.field) from None
        except TypeError as err:
            raise InputError(str(err), path=source) from None
