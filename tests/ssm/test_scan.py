"""The chunked scan and the step compute the same function as the sequential reference."""

from __future__ import annotations

import pytest
import torch

from ssmem.ssm.scan import chunked_scan, reference_scan, step_scan

FLOOR = -5.0


def scan_inputs(batch: int, length: int, di: int = 6, n: int = 4, dtype=torch.float32, seed=0):
    g = torch.Generator().manual_seed(seed)

    def r(*shape: int) -> torch.Tensor:
        return torch.randn(*shape, generator=g, dtype=dtype)

    u = r(batch, length, di)
    # Δ spans ~1e-3 .. ~3: with A down to -n, some steps hit the clamp at -5.
    delta = torch.exp(r(batch, length, di) * 1.5 - 2.0)
    A = -torch.arange(1, n + 1, dtype=dtype).repeat(di, 1) * torch.exp(r(di, n) * 0.3)
    return u, delta, A, r(batch, length, n), r(batch, length, n), r(di), r(batch, n, di)


@pytest.mark.parametrize("length", [1, 3, 16, 37, 64])
@pytest.mark.parametrize("batch", [1, 3])
@pytest.mark.parametrize("chunk", [1, 4, 16])
def test_chunked_equals_reference(length: int, batch: int, chunk: int) -> None:
    u, delta, A, B, C, D, h0 = scan_inputs(batch, length)
    assert (delta.unsqueeze(-1) * A < FLOOR).any() or length < 16  # the clamp is exercised
    y_ref, h_ref = reference_scan(u, delta, A, B, C, D, h0, log_decay_min=FLOOR)
    y, h = chunked_scan(u, delta, A, B, C, D, h0, log_decay_min=FLOOR, chunk_size=chunk)
    torch.testing.assert_close(y, y_ref, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(h, h_ref, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("block_len", [4, 8, 32, None])
def test_block_boundaries_do_not_change_the_result(block_len: int | None) -> None:
    u, delta, A, B, C, D, h0 = scan_inputs(2, 45)
    y_ref, h_ref = reference_scan(u, delta, A, B, C, D, h0, log_decay_min=FLOOR)
    y, h = chunked_scan(
        u, delta, A, B, C, D, h0, log_decay_min=FLOOR, chunk_size=4, block_len=block_len
    )
    torch.testing.assert_close(y, y_ref, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(h, h_ref, atol=1e-5, rtol=1e-5)


def test_steps_equal_reference() -> None:
    u, delta, A, B, C, D, h = scan_inputs(3, 20)
    y_ref, h_ref = reference_scan(u, delta, A, B, C, D, h, log_decay_min=FLOOR)
    ys = []
    for t in range(20):
        y, h = step_scan(u[:, t], delta[:, t], A, B[:, t], C[:, t], D, h, log_decay_min=FLOOR)
        ys.append(y)
    torch.testing.assert_close(torch.stack(ys, 1), y_ref, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(h, h_ref, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("length,chunk", [(3, 4), (37, 16), (40, 8)])
def test_chunked_gradients_match_reference(length: int, chunk: int) -> None:
    leaves = [t.requires_grad_() for t in scan_inputs(2, length, dtype=torch.float64)]
    g = torch.Generator().manual_seed(5)
    w_y = torch.randn(2, length, 6, generator=g, dtype=torch.float64)
    w_h = torch.randn(2, 4, 6, generator=g, dtype=torch.float64)

    def grads(fn, **kw) -> list[torch.Tensor]:
        y, h = fn(*leaves, log_decay_min=FLOOR, **kw)
        return torch.autograd.grad((y * w_y).sum() + (h * w_h).sum(), leaves)

    for got, want in zip(grads(chunked_scan, chunk_size=chunk), grads(reference_scan), strict=True):
        torch.testing.assert_close(got, want, atol=1e-9, rtol=1e-7)


def test_chunk_that_could_overflow_float32_is_refused() -> None:
    u, delta, A, B, C, D, h0 = scan_inputs(1, 8)
    with pytest.raises(ValueError, match="overflows float32"):
        chunked_scan(u, delta, A, B, C, D, h0, log_decay_min=FLOOR, chunk_size=32)


def test_empty_sequence_keeps_the_state() -> None:
    u, delta, A, B, C, D, h0 = scan_inputs(2, 0)
    y, h = chunked_scan(u, delta, A, B, C, D, h0, log_decay_min=FLOOR)
    assert y.shape == (2, 0, 6)
    assert torch.equal(h, h0)


def test_in_place_paths_equal_the_autograd_paths_bit_for_bit() -> None:
    """Without autograd, step and chunked scan reuse buffers; the numbers must not change."""
    u, delta, A, B, C, D, h = scan_inputs(2, 37)
    with torch.no_grad():
        y_fast, h_fast = chunked_scan(u, delta, A, B, C, D, h, log_decay_min=FLOOR)
        s_fast = step_scan(u[:, 0], delta[:, 0], A, B[:, 0], C[:, 0], D, h, log_decay_min=FLOOR)
    h_grad = h.clone().requires_grad_()
    y_slow, h_slow = chunked_scan(u, delta, A, B, C, D, h_grad, log_decay_min=FLOOR)
    s_slow = step_scan(u[:, 0], delta[:, 0], A, B[:, 0], C[:, 0], D, h_grad, log_decay_min=FLOOR)
    assert torch.equal(y_fast, y_slow) and torch.equal(h_fast, h_slow)
    assert all(torch.equal(a, b) for a, b in zip(s_fast, s_slow, strict=True))
