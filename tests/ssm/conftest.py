"""Shared fixtures for the SSM core tests: a small model, deterministic inputs."""

from __future__ import annotations

import pytest
import torch

from ssmem.ssm import MambaConfig, MambaModel


def _small_config(**kw: object) -> MambaConfig:
    base = {"d_model": 16, "n_layer": 2, "d_state": 4, "d_conv": 4}
    return MambaConfig(**(base | kw))


@pytest.fixture
def model() -> MambaModel:
    torch.manual_seed(0)
    m = MambaModel(_small_config())
    with torch.no_grad():  # larger Δ than at init, so decay (and the clamp) really matter
        for layer in m.layers:
            layer.dt_proj.bias.add_(2.0)
    return m.eval()


def _inputs(batch: int, length: int, d: int = 16, seed: int = 1) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(batch, length, d, generator=g)


@pytest.fixture
def inputs():
    """`inputs(batch, length)`: a deterministic (batch, length, 16) input sequence."""
    return _inputs


@pytest.fixture
def small_config():
    """`small_config(**overrides)`: the small test model's config."""
    return _small_config
