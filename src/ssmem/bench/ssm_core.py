"""`ssmem bench-ssm`: speed and memory of the SSM's three paths next to torch.nn.GRU and a
causal Transformer layer with a KV cache, at equal width. Rows plus a `summary` of targets.

Memory is process RSS (torch's CPU tensors live in malloc'd memory that tracemalloc does not
see): peak RSS (Linux VmHWM, reset through /proc/self/clear_refs) for the chunked scan vs L,
and the peak after 10k / 100k / 1M steps of one long step loop, whose state is fixed-size.
"""

from __future__ import annotations

import gc
import os
import platform
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import torch
from tqdm import tqdm

from ssmem.bench.memprobe import peak_rss_bytes, reset_peak_rss, rss_bytes, trim_heap
from ssmem.bench.ssm_baselines import CausalTransformerLayer, KVCache
from ssmem.ssm.config import MambaConfig
from ssmem.ssm.model import MambaModel

TARGETS = {"chunked_over_reference": 20.0, "step_b64_over_gru_b64": 0.5, "step_memory_growth": 0.01}


@dataclass
class SSMCoreConfig:
    d_models: tuple[int, ...] = (128, 256)
    d_state: int = 16
    n_layer: int = 1  # one block vs one GRU layer vs one Transformer layer
    threads: int = 2
    reference_length: int = 4096
    scan_lengths: tuple[int, ...] = (4096, 65536)
    step_batches: tuple[int, ...] = (1, 64)
    step_count: int = 2000  # steps timed per batch size
    kv_history: int = 4096  # Transformer steps from an empty cache
    memory_steps: tuple[int, ...] = (10_000, 100_000, 1_000_000)
    memory_lengths: tuple[int, ...] = (1024, 4096, 16384, 65536)
    seed: int = 0

    @classmethod
    def quick(cls, threads: int = 2) -> SSMCoreConfig:
        """The reduced set: still both widths and both scan lengths, fewer steps."""
        return cls(
            threads=threads,
            step_count=300,
            kv_history=512,
            memory_steps=(10_000, 100_000),
            memory_lengths=(1024, 4096, 16384),
        )


# ---- timing --------------------------------------------------------------------------------


def best_seconds(fn: Callable[[], object], repeats: int = 3, warmup: bool = True) -> float:
    """Best wall time of `repeats` calls after one warm-up call (least disturbed by others)."""
    if warmup:
        fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def _row(model: str, d: int, op: str, batch: int, length: int, **kw: Any) -> dict[str, Any]:
    return {"model": model, "d_model": d, "op": op, "batch": batch, "length": length} | kw


def _rate(model: str, d: int, op: str, batch: int, length: int, secs: float) -> dict[str, Any]:
    return _row(model, d, op, batch, length, tokens_per_s=batch * length / secs)


def speed_rows(d: int, cfg: SSMCoreConfig, bar: tqdm) -> list[dict[str, Any]]:
    """Tokens/s of every path at width d (B = 1 for whole sequences)."""
    torch.manual_seed(cfg.seed)
    ssm = MambaModel(MambaConfig(d_model=d, n_layer=cfg.n_layer, d_state=cfg.d_state)).eval()
    gru = torch.nn.GRU(d, d, num_layers=cfg.n_layer, batch_first=True).eval()
    tfm = CausalTransformerLayer(d, n_head=max(1, d // 64)).eval()
    rows = []

    def note(what: str) -> None:
        bar.set_description(f"d{d} {what}")

    with torch.no_grad():
        x = torch.randn(1, cfg.reference_length, d)
        note("reference scan")
        secs = best_seconds(lambda: ssm(x, scan="reference"), repeats=1)
        rows.append(_rate("ssm", d, "forward reference scan", 1, x.shape[1], secs))
        for L in cfg.scan_lengths:
            note(f"chunked scan L={L}")
            xl = torch.randn(1, L, d)
            secs = best_seconds(lambda xl=xl: ssm(xl), repeats=1 if L > 8192 else 3)
            rows.append(_rate("ssm", d, "forward chunked scan", 1, L, secs))
        note("GRU / Transformer sequences")
        secs = best_seconds(lambda: gru(x))
        rows.append(_rate("gru", d, "forward sequence (nn.GRU kernel)", 1, x.shape[1], secs))
        secs = best_seconds(lambda: tfm(x), repeats=1)
        rows.append(_rate("transformer", d, "forward causal (SDPA)", 1, x.shape[1], secs))
        for b in cfg.step_batches:
            note(f"steps b={b}")
            xs = torch.randn(cfg.step_count, b, d)
            rows.append(
                _rate("ssm", d, "step", b, len(xs), best_seconds(lambda xs=xs: _ssm_steps(ssm, xs)))
            )
            rows.append(
                _rate("gru", d, "step", b, len(xs), best_seconds(lambda xs=xs: _gru_steps(gru, xs)))
            )
            xs = torch.randn(cfg.kv_history, b, d)
            _kv_steps(tfm, xs[:64])  # warm-up on a short history: the long one is slow
            secs = best_seconds(lambda xs=xs: _kv_steps(tfm, xs), repeats=1, warmup=False)
            rows.append(
                _rate("transformer", d, "step, KV cache from empty", b, len(xs), secs)
                | {"note": f"average over history 0..{len(xs)}"}
            )
    return rows


def _ssm_steps(model: MambaModel, xs: torch.Tensor) -> None:
    state = model.zero_state(xs.shape[1])
    for x_t in xs:
        _, state = model.step(x_t, state)


def _gru_steps(gru: torch.nn.GRU, xs: torch.Tensor) -> None:
    h = torch.zeros(gru.num_layers, xs.shape[1], gru.hidden_size)
    for x_t in xs:
        _, h = gru(x_t.unsqueeze(1), h)


def _kv_steps(layer: CausalTransformerLayer, xs: torch.Tensor) -> None:
    cache = KVCache(xs.shape[1], layer.n_head, layer.head_dim, len(xs))
    for x_t in xs:
        layer.step(x_t, cache)


# ---- memory --------------------------------------------------------------------------------


def step_memory_rows(d: int, cfg: SSMCoreConfig, bar: tqdm) -> list[dict[str, Any]]:
    """Peak RSS after 10k / 100k / 1M steps of ONE loop at batch 1, and the KV cache a
    Transformer layer would hold after as many steps (computed: 2 · d_model · 4 B per step)."""
    torch.manual_seed(cfg.seed)
    ssm = MambaModel(MambaConfig(d_model=d, n_layer=cfg.n_layer, d_state=cfg.d_state)).eval()
    xs = torch.randn(1000, 1, d)  # inputs recycled: a fresh input per step would be the leak
    rows = []
    with torch.no_grad():
        state = ssm.zero_state(1)
        for x_t in xs:  # warm-up: allocator pools and lazy init reach steady state
            _, state = ssm.step(x_t, state)
        gc.collect()
        trim_heap()
        reset_peak_rss()
        done = 0
        for target in sorted(cfg.memory_steps):
            while done < target:
                n = min(target - done, 10_000)
                for i in range(n):
                    _, state = ssm.step(xs[i % len(xs)], state)
                done += n
                bar.set_description(f"d{d} step memory {done:,}/{max(cfg.memory_steps):,}")
            rows.append(
                _row(
                    "ssm",
                    d,
                    "step peak RSS",
                    1,
                    done,
                    peak_rss_bytes=peak_rss_bytes(),
                    state_bytes=state.nbytes,
                )
            )
            rows.append(
                _row(
                    "transformer",
                    d,
                    "KV cache size (computed)",
                    1,
                    done,
                    cache_bytes=2 * done * d * 4 * cfg.n_layer,
                )
            )
    return rows


def chunked_memory_rows(d: int, cfg: SSMCoreConfig, bar: tqdm) -> list[dict[str, Any]]:
    """Peak RSS above the pre-call RSS while the chunked scan ingests L steps (B = 1)."""
    torch.manual_seed(cfg.seed)
    ssm = MambaModel(MambaConfig(d_model=d, n_layer=cfg.n_layer, d_state=cfg.d_state)).eval()
    rows = []
    with torch.no_grad():
        for L in cfg.memory_lengths:
            bar.set_description(f"d{d} chunked-scan memory L={L}")
            x = torch.randn(1, L, d)
            gc.collect()
            trim_heap()  # hand freed heap back, so that new allocations show up in RSS
            base = rss_bytes()
            reset_peak_rss()
            y, _ = ssm(x)
            peak = peak_rss_bytes()
            del y
            rows.append(
                _row(
                    "ssm",
                    d,
                    "chunked scan peak RSS above start",
                    1,
                    L,
                    extra_bytes=peak - base,
                    input_bytes=x.numel() * 4,
                )
            )
    return rows


# ---- the run -------------------------------------------------------------------------------


def _pick(rows: list[dict], **match: Any) -> dict:
    return next(r for r in rows if all(r.get(k) == v for k, v in match.items()))


def summarize(rows: list[dict], cfg: SSMCoreConfig) -> dict[str, Any]:
    """Target ratios per width (measured in the same run); the headline is the worst width."""
    per: dict[int, dict[str, float]] = {}
    for d in cfg.d_models:
        ref = _pick(rows, model="ssm", d_model=d, op="forward reference scan")["tokens_per_s"]
        chunk = _pick(
            rows, model="ssm", d_model=d, op="forward chunked scan", length=cfg.reference_length
        )["tokens_per_s"]
        b = max(cfg.step_batches)
        ssm_b = _pick(rows, model="ssm", d_model=d, op="step", batch=b)["tokens_per_s"]
        gru_b = _pick(rows, model="gru", d_model=d, op="step", batch=b)["tokens_per_s"]
        per[d] = {"chunked_over_reference": chunk / ref, "step_b64_over_gru_b64": ssm_b / gru_b}
        mem = [r for r in rows if r["op"] == "step peak RSS" and r["d_model"] == d]
        if mem:
            first, last = mem[0]["peak_rss_bytes"], mem[-1]["peak_rss_bytes"]
            per[d] |= {
                "step_memory_growth": (last - first) / first,
                "step_memory_growth_bytes": last - first,
                "step_memory_steps": [mem[0]["length"], mem[-1]["length"]],
            }
    summary: dict[str, Any] = {
        "chunked_over_reference": min(p["chunked_over_reference"] for p in per.values()),
        "step_b64_over_gru_b64": min(p["step_b64_over_gru_b64"] for p in per.values()),
        "step_memory_growth": max(p.get("step_memory_growth", 0.0) for p in per.values()),
    }
    summary["targets"] = TARGETS
    summary["met"] = {
        "chunked_over_reference": summary["chunked_over_reference"]
        >= TARGETS["chunked_over_reference"],
        "step_b64_over_gru_b64": summary["step_b64_over_gru_b64"]
        >= TARGETS["step_b64_over_gru_b64"],
        "step_memory_growth": abs(summary["step_memory_growth"]) <= TARGETS["step_memory_growth"],
    }
    summary["by_d_model"] = {str(d): p for d, p in per.items()}
    return summary


def run_bench(cfg: SSMCoreConfig, *, memory_d_models: tuple[int, ...] | None = None) -> dict:
    """Runs every measurement (progress on stderr) and returns {machine, config, rows, summary}.
    Step memory runs at `memory_d_models` (default: the first width only; it is long)."""
    torch.set_num_threads(cfg.threads)
    mem_ds = memory_d_models or cfg.d_models[:1]
    tasks: list[tuple[Callable, int]] = [(speed_rows, d) for d in cfg.d_models]
    tasks += [(chunked_memory_rows, d) for d in cfg.d_models]
    tasks += [(step_memory_rows, d) for d in mem_ds]
    rows: list[dict] = []
    with tqdm(total=len(tasks), unit="task", leave=False) as bar:
        for fn, d in tasks:
            rows += fn(d, cfg, bar)
            bar.update()
    return {
        "machine": machine_info(cfg.threads),
        "config": asdict(cfg),
        "rows": rows,
        "summary": summarize(rows, cfg),
    }


def machine_info(threads: int) -> dict[str, Any]:
    return {
        "torch": torch.__version__,
        "threads": threads,
        "cpu_count": os.cpu_count(),
        "load_avg_1m": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
        "processor": platform.processor() or platform.machine(),
    }
