"""`SSMState`: the whole recurrent state of a `MambaModel` for a batch of streams -- per layer,
the last d_conv-1 conv inputs and the SSM state. Fixed size: it never grows with the stream.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from ssmem.ssm.config import MambaConfig


@dataclass(frozen=True)
class SSMState:
    """Per layer: `conv[i]` (B, d_conv-1, d_inner) and `ssm[i]` (B, d_state, d_inner).

    Immutable as a container; `MambaModel.step`/`forward` return a new state and never write
    into the one they were given, so a kept state is a valid snapshot.
    """

    conv: tuple[Tensor, ...]
    ssm: tuple[Tensor, ...]

    def __post_init__(self) -> None:
        if len(self.conv) != len(self.ssm):
            raise ValueError(f"{len(self.conv)} conv states but {len(self.ssm)} ssm states")
        batches = {t.shape[0] for t in (*self.conv, *self.ssm)}
        if len(batches) > 1:
            raise ValueError(f"state tensors disagree on the batch size: {sorted(batches)}")

    @classmethod
    def zeros(
        cls,
        config: MambaConfig,
        batch: int,
        *,
        device: torch.device | str | None = None,
        dtype: torch.dtype = torch.float32,
    ) -> SSMState:
        """The state of `batch` streams that have seen nothing."""
        kw = {"device": device, "dtype": dtype}
        conv = tuple(
            torch.zeros(batch, config.d_conv - 1, config.d_inner, **kw)
            for _ in range(config.n_layer)
        )
        ssm = tuple(
            torch.zeros(batch, config.d_state, config.d_inner, **kw) for _ in range(config.n_layer)
        )
        return cls(conv, ssm)

    @property
    def n_layer(self) -> int:
        return len(self.ssm)

    @property
    def batch_size(self) -> int:
        return self.ssm[0].shape[0] if self.ssm else 0

    @property
    def nbytes(self) -> int:
        """Bytes held by the state tensors (for all streams in the batch)."""
        return sum(t.numel() * t.element_size() for t in (*self.conv, *self.ssm))

    def clone(self) -> SSMState:
        return SSMState(tuple(t.clone() for t in self.conv), tuple(t.clone() for t in self.ssm))

    def detach(self) -> SSMState:
        """Cuts the autograd history (truncated backprop through time)."""
        return SSMState(tuple(t.detach() for t in self.conv), tuple(t.detach() for t in self.ssm))

    def to(self, *args: object, **kwargs: object) -> SSMState:
        """`Tensor.to` applied to every tensor (device and/or dtype)."""
        return SSMState(
            tuple(t.to(*args, **kwargs) for t in self.conv),
            tuple(t.to(*args, **kwargs) for t in self.ssm),
        )

    def select(self, index: int | slice | Tensor) -> SSMState:
        """The state of a subset of the batch's streams (index along the batch dimension)."""
        if isinstance(index, int):  # keep the batch dimension; -1 is the last stream
            i = index % self.batch_size if self.batch_size else index
            index = slice(i, i + 1)
        return SSMState(tuple(t[index] for t in self.conv), tuple(t[index] for t in self.ssm))

    @staticmethod
    def cat(states: list[SSMState]) -> SSMState:
        """Stacks the streams of several states into one batch (same model)."""
        if not states:
            raise ValueError("cat needs at least one state")
        n = states[0].n_layer
        return SSMState(
            tuple(torch.cat([s.conv[i] for s in states]) for i in range(n)),
            tuple(torch.cat([s.ssm[i] for s in states]) for i in range(n)),
        )
