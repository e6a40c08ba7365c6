"""MambaModel: the Mamba init survives building the full model, and forward (chunked or
reference), chunk-by-chunk ingest with carried state, and step all compute the same thing."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from ssmem.ssm import MambaConfig, MambaModel, SSMState

TOL = {"atol": 1e-5, "rtol": 1e-5}


def test_full_model_keeps_the_mamba_init() -> None:
    torch.manual_seed(0)
    cfg = MambaConfig()  # the default size, every layer
    model = MambaModel(cfg)
    for i, layer in enumerate(model.layers):
        dt = F.softplus(layer.dt_proj.bias.detach())
        assert dt.min() >= cfg.dt_min * (1 - 1e-5) and dt.max() <= cfg.dt_max * (1 + 1e-5), i
        # log-uniform: both decades of [1e-3, 1e-1] are populated, the log-median sits mid-way
        assert (dt < 1e-2).float().mean().item() == pytest.approx(0.5, abs=0.15)
        assert math.log(dt.median().item()) == pytest.approx(math.log(1e-2), abs=0.5)
        want_a = torch.log(torch.arange(1, cfg.d_state + 1.0)).expand(cfg.d_inner, -1)
        assert torch.equal(layer.A_log.detach(), want_a)
        assert torch.equal(layer.D.detach(), torch.ones(cfg.d_inner))
    no_decay = set(model.no_decay_param_names())
    for i in range(cfg.n_layer):
        assert {f"layers.{i}.A_log", f"layers.{i}.D", f"layers.{i}.dt_proj.bias"} <= no_decay
        assert f"layers.{i}.in_proj.weight" not in no_decay


@pytest.mark.parametrize("length", [1, 3, 17, 40])
@pytest.mark.parametrize("batch", [1, 4])
@pytest.mark.parametrize("chunk", [4, 16])
def test_chunked_forward_equals_reference(model, inputs, length, batch, chunk) -> None:
    x = inputs(batch, length)
    with torch.no_grad():
        y, s = model(x, chunk_size=chunk)
        y_ref, s_ref = model(x, scan="reference")
    torch.testing.assert_close(y, y_ref, **TOL)
    for a, b in zip((*s.conv, *s.ssm), (*s_ref.conv, *s_ref.ssm), strict=True):
        torch.testing.assert_close(a, b, **TOL)


@pytest.mark.parametrize("length,k", [(2, 1), (3, 3), (19, 5), (33, 1)])
@pytest.mark.parametrize("batch", [1, 3])
def test_forward_equals_prefix_then_steps(model, inputs, length, k, batch) -> None:
    x = inputs(batch, length)
    with torch.no_grad():
        y_full, s_full = model(x)
        y_pre, state = model(x[:, : length - k]) if length > k else (x[:, :0], None)
        ys = [y_pre]
        for t in range(length - k, length):
            y_t, state = model.step(x[:, t], state)
            ys.append(y_t.unsqueeze(1))
    torch.testing.assert_close(torch.cat(ys, 1), y_full, **TOL)
    for a, b in zip((*state.conv, *state.ssm), (*s_full.conv, *s_full.ssm), strict=True):
        torch.testing.assert_close(a, b, **TOL)


@pytest.mark.parametrize("cuts", [[1, 2, 3], [5, 16, 17], [2, 30], [40]])
@pytest.mark.parametrize("chunk", [4, 16])
def test_chunks_with_carried_state_equal_one_pass(model, inputs, cuts, chunk) -> None:
    x = inputs(2, 41)
    with torch.no_grad():
        y_one, s_one = model(x, chunk_size=chunk)
        state, ys, prev = None, [], 0
        for cut in [*cuts, 41]:
            y, state = model(x[:, prev:cut], state, chunk_size=chunk)
            ys.append(y)
            prev = cut
    torch.testing.assert_close(torch.cat(ys, 1), y_one, **TOL)
    for a, b in zip((*state.ssm, *state.conv), (*s_one.ssm, *s_one.conv), strict=True):
        torch.testing.assert_close(a, b, **TOL)


def test_model_gradients_chunked_match_reference(model, inputs) -> None:
    model = model.double()
    x = inputs(2, 21).double().requires_grad_()

    def grads(scan: str) -> list[torch.Tensor]:
        y, s = model(x, scan=scan, chunk_size=8)
        loss = (y.sin()).sum() + sum(h.square().sum() for h in s.ssm)
        return torch.autograd.grad(loss, [x, *model.parameters()])

    for got, want in zip(grads("chunked"), grads("reference"), strict=True):
        torch.testing.assert_close(got, want, atol=1e-9, rtol=1e-7)


def test_streams_in_a_batch_are_independent(model, inputs) -> None:
    x = inputs(3, 9)
    with torch.no_grad():
        y_batch, s_batch = model(x)
        y_one, _ = model(x[1:2])
        y_t, _ = model.step(x[:, 0], s_batch)
        y_t1, _ = model.step(x[1:2, 0], s_batch.select(1))
    torch.testing.assert_close(y_batch[1:2], y_one, **TOL)
    torch.testing.assert_close(y_t[1:2], y_t1, **TOL)
    assert torch.equal(s_batch.select(-1).ssm[0], s_batch.ssm[0][2:3])
    merged = SSMState.cat([s_batch.select(0), s_batch.select(slice(1, 3))])
    assert all(torch.equal(a, b) for a, b in zip(merged.ssm, s_batch.ssm, strict=True))


def test_forward_and_step_leave_the_given_state_untouched(model, inputs) -> None:
    x = inputs(2, 6)
    with torch.no_grad():
        _, state = model(x)
        kept = state.clone()
        model(x, state)
        model.step(x[:, 0], state)
    for a, b in zip((*state.conv, *state.ssm), (*kept.conv, *kept.ssm), strict=True):
        assert torch.equal(a, b)


def test_state_is_fixed_size_and_converts(small_config) -> None:
    cfg = small_config()
    s = SSMState.zeros(cfg, 5)
    assert s.batch_size == 5 and s.n_layer == cfg.n_layer
    per_layer = (cfg.d_conv - 1) * cfg.d_inner + cfg.d_inner * cfg.d_state
    assert s.nbytes == 5 * cfg.n_layer * per_layer * 4
    d = s.to(torch.float64)
    assert d.ssm[0].dtype == torch.float64 and s.ssm[0].dtype == torch.float32
    g = SSMState(tuple(t.requires_grad_() for t in s.conv), s.ssm).detach()
    assert not any(t.requires_grad for t in g.conv)


def test_bad_shapes_are_refused(model, inputs) -> None:
    with pytest.raises(ValueError, match=r"\(B, L, 16\)"):
        model(torch.zeros(2, 5, 8))
    with pytest.raises(ValueError, match="batch"):
        model(torch.zeros(2, 5, 16), model.zero_state(3))
    with pytest.raises(ValueError, match="x_t"):
        model.step(torch.zeros(2, 1, 16))
    with pytest.raises(ValueError, match="unknown scan"):
        model(torch.zeros(1, 2, 16), scan="step")
