"""`ssmem bench-proxy`: what the memory proxy saves and costs on a long real conversation.

A real chat is replayed through `ssmem proxy` as an application would drive it: the user
messages of one LongMemEval (dev half) haystack, in order, each request carrying the whole
history so far (system prompt, every user message, every reply) through the official
`openai` client; the upstream is llama.cpp's OpenAI-compatible server with the smallest
packaged model (short replies: the model's quality is not what is measured). Both servers
are real subprocesses on loopback, so the timings include the HTTP hops.

Per turn it records the proxy's own accounting (headers, counted in ssmem's tokens): the
tokens sent upstream and what the full history would have cost; the proxy's overhead as
it measures it (`X-Ssmem-Overhead-Ms`) and as the client sees it (wall time minus the
upstream call the proxy reports). The last `stream_turns` turns are streamed, counting
the chunks that carry text. Long user messages are cut to `max_chars` so that every
prompt fits the small upstream's context window; this is stated in the output.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx

from ssmem.bench.longmemeval import dev_items
from ssmem.bench.service_load import free_port

SYSTEM_PROMPT = "You are a helpful assistant. Answer briefly."


@dataclass
class ProxyBenchConfig:
    turns: int = 200  # user messages replayed
    budget: int = 512  # the proxy's memory budget
    recent: int = 4  # messages passed verbatim
    system: str = "hybrid"  # memory system of the session
    item: int = 0  # which LongMemEval dev item's haystack
    max_tokens: int = 8  # reply length (the upstream's speed is not measured)
    max_chars: int = 1500  # user messages longer than this are cut
    stream_turns: int = 3  # the last turns are streamed
    n_ctx: int = 4096  # the upstream model's context window
    think_s: float = 0.5  # pause between a reply and the next message (a user reading it)


@dataclass(frozen=True)
class Turn:
    turn: int
    sent: int  # prompt tokens the proxy sent upstream
    history: int  # what sending the full history would have cost
    saved: int
    overhead_ms: float  # as the proxy measured it
    client_overhead_ms: float | None  # client wall time minus the upstream call (whole replies)
    upstream_ms: float | None
    stream_chunks: int | None  # text-carrying chunks (streamed turns)
    bound: int  # budget + system prompt + memory heading + the recent messages, counted here


def user_messages(item: int, n: int, max_chars: int) -> list[str]:
    """The first `n` non-empty user messages of a LongMemEval dev item's haystack."""
    items = dev_items()
    out: list[str] = []
    for session in items[item]["haystack_sessions"]:
        for turn in session:
            text = str(turn.get("content", "")).strip()
            if turn.get("role") == "user" and text:
                out.append(text[:max_chars])
                if len(out) == n:
                    return out
    return out


def _wait(url: str, proc: subprocess.Popen, what: str, log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"{what} did not start within 120 s")


def stop(proc: subprocess.Popen) -> None:
    """Terminate a server process (killed if it does not exit within 20 s)."""
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def start_llama_server(model: str, n_ctx: int, log: Path) -> tuple[subprocess.Popen, str]:
    """llama.cpp's OpenAI-compatible server for a packaged model; (process, its /v1 URL)."""
    from ssmem.llm.models import model_path

    port = free_port()
    cmd = [
        sys.executable, "-m", "llama_cpp.server", "--model", str(model_path(model)),
        "--model_alias", model, "--host", "127.0.0.1", "--port", str(port),
        "--n_ctx", str(n_ctx), "--n_threads", "1", "--n_threads_batch", "1",
        "--verbose", "false",
    ]  # fmt: skip
    with open(log, "ab") as f:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=f)
    url = f"http://127.0.0.1:{port}/v1"
    _wait(url + "/models", proc, "llama_cpp.server", log)
    return proc, url


def start_proxy(upstream: str, data_dir: Path, *args: str) -> tuple[subprocess.Popen, str]:
    """`ssmem proxy` in front of `upstream` with memory in `data_dir` and further flags
    `args`; (process, its base URL) once it answers /healthz."""
    port = free_port()
    cmd = [sys.executable, "-m", "ssmem.cli.proxy_cmd", "--port", str(port)]
    cmd += ["--upstream", upstream, "--data-dir", str(data_dir), *args]
    data_dir.mkdir(parents=True, exist_ok=True)
    log = data_dir / "proxy.log"
    with open(log, "ab") as f:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=f)
    url = f"http://127.0.0.1:{port}"
    _wait(url + "/healthz", proc, "ssmem proxy", log)
    return proc, url


def run(cfg: ProxyBenchConfig, work: Path, progress: Any = None) -> dict[str, Any]:
    """Replay the conversation through the proxy; the per-turn rows and a summary.

    `think_s` pauses before each message after the first, as a user reading the reply
    would: the proxy's writes behind (the last message and reply) then finish off the
    request path; with 0 they land on the next request's path, and that is measured."""
    import openai

    from ssmem.context.render import MEMORY_HEADING
    from ssmem.llm.models import SMALLEST_MODEL
    from ssmem.tokens import default_counter

    counter = default_counter()

    if not 1 <= cfg.stream_turns <= cfg.turns:
        raise ValueError(f"stream_turns must be 1..turns, got {cfg.stream_turns}")
    messages_in = user_messages(cfg.item, cfg.turns, cfg.max_chars)
    if len(messages_in) < cfg.turns:
        raise ValueError(f"item {cfg.item} has only {len(messages_in)} user messages")
    work.mkdir(parents=True, exist_ok=True)
    llama, upstream = start_llama_server(SMALLEST_MODEL, cfg.n_ctx, work / "llama.log")
    procs = [llama]
    try:
        proxy, url = start_proxy(
            upstream, work / "proxy-data", "--model", SMALLEST_MODEL, "--system", cfg.system,
            "--budget", str(cfg.budget), "--recent", str(cfg.recent),
        )  # fmt: skip
        procs.append(proxy)
        client = openai.OpenAI(base_url=url + "/v1", api_key="unused", max_retries=0)
        history: list[dict[str, str]] = [{"role": "system", "content": SYSTEM_PROMPT}]
        rows: list[Turn] = []
        for i, text in enumerate(messages_in):
            history.append({"role": "user", "content": text})
            recent = history[max(1, len(history) - cfg.recent) :]
            bound = (
                cfg.budget
                + sum(counter.count(m["content"]) for m in (history[0], *recent))
                + counter.count(MEMORY_HEADING)
            )
            if i:
                time.sleep(cfg.think_s)
            streamed = i >= cfg.turns - cfg.stream_turns
            args = {"model": SMALLEST_MODEL, "messages": history, "max_tokens": cfg.max_tokens,
                    "temperature": 0, "user": "bench-conversation"}  # fmt: skip
            t0 = time.perf_counter()
            if streamed:
                with client.chat.completions.with_streaming_response.create(
                    **args, stream=True
                ) as resp:
                    headers = resp.headers
                    chunks = [
                        c.choices[0].delta.content or ""
                        for c in resp.parse()
                        if c.choices and c.choices[0].delta
                    ]
                reply, upstream_ms, client_ms = "".join(chunks), None, None
                n_chunks: int | None = sum(1 for c in chunks if c)
            else:
                raw = client.chat.completions.with_raw_response.create(**args)
                wall = (time.perf_counter() - t0) * 1000
                headers = raw.headers
                reply = raw.parse().choices[0].message.content or ""
                upstream_ms = float(headers["X-Ssmem-Upstream-Ms"])
                client_ms, n_chunks = wall - upstream_ms, None
            history.append({"role": "assistant", "content": reply})
            rows.append(
                Turn(
                    turn=i + 1,
                    sent=int(headers["X-Ssmem-Prompt-Tokens"]),
                    history=int(headers["X-Ssmem-History-Tokens"]),
                    saved=int(headers["X-Ssmem-Saved-Tokens"]),
                    overhead_ms=float(headers["X-Ssmem-Overhead-Ms"]),
                    client_overhead_ms=client_ms,
                    upstream_ms=upstream_ms,
                    stream_chunks=n_chunks,
                    bound=bound,
                )
            )
            if progress is not None:
                progress(i + 1, cfg.turns)
    finally:
        for p in procs:
            stop(p)
    return {"config": asdict(cfg), "turns": [asdict(r) for r in rows], "summary": summary(rows)}


def pct(values: list[float], q: int) -> float:
    """The q-th percentile (inclusive method), in the values' unit."""
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def summary(rows: list[Turn]) -> dict[str, Any]:
    over = [r.overhead_ms for r in rows]
    client = [r.client_overhead_ms for r in rows if r.client_overhead_ms is not None]
    last = rows[-1]
    return {
        "turns": len(rows),
        "sent_last": last.sent,
        "history_last": last.history,
        "saved_last_fraction": round(last.saved / last.history, 4) if last.history else 0.0,
        "sent_total": sum(r.sent for r in rows),
        "history_total": sum(r.history for r in rows),
        "sent_max": max(r.sent for r in rows),
        "over_bound": sum(1 for r in rows if r.sent > r.bound),
        "overhead_ms_p50": round(statistics.median(over), 1),
        "overhead_ms_p95": round(pct(over, 95), 1),
        "client_overhead_ms_p50": round(statistics.median(client), 1) if client else None,
        "client_overhead_ms_p95": round(pct(client, 95), 1) if client else None,
        "stream_chunks": [r.stream_chunks for r in rows if r.stream_chunks is not None],
    }


def write_report(result: dict[str, Any], out: Path) -> list[Path]:
    """JSON, a Markdown summary and the tokens-per-turn plot under `out`."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    cfg, s, rows = result["config"], result["summary"], result["turns"]
    paths = [out / "proxy_bench.json", out / "proxy_bench.md", out / "proxy_tokens.png"]
    paths[0].write_text(json.dumps(result, indent=1))
    saved_total = 1 - s["sent_total"] / s["history_total"] if s["history_total"] else 0.0
    md = [
        f"# ssmem proxy on a {s['turns']}-turn real conversation",
        "",
        f"LongMemEval (dev half) item {cfg['item']}: its first {s['turns']} user messages "
        f"(cut to {cfg['max_chars']} characters), each request carrying the whole history; "
        f"memory `{cfg['system']}`, budget {cfg['budget']}, {cfg['recent']} recent messages "
        "verbatim; upstream llama.cpp server (SmolLM2-135M, "
        f"{cfg['max_tokens']}-token replies); {cfg['think_s']} s between a reply and the next "
        "message. Tokens in ssmem's counter (MiniLM WordPiece).",
        "",
        "| measure | value |",
        "|---|---|",
        f"| tokens sent upstream, last turn | {s['sent_last']} |",
        f"| full history, last turn | {s['history_last']} |",
        f"| saved at the last turn | {100 * s['saved_last_fraction']:.1f}% |",
        f"| saved over all turns | {100 * saved_total:.1f}% |",
        f"| most tokens sent in one turn | {s['sent_max']} |",
        f"| turns sending more than budget + system + recent messages | {s['over_bound']} |",
        f"| proxy overhead p50 / p95 (proxy's clock) | {s['overhead_ms_p50']} / "
        f"{s['overhead_ms_p95']} ms |",
        f"| overhead p50 / p95 (client wall − upstream) | {s['client_overhead_ms_p50']} / "
        f"{s['client_overhead_ms_p95']} ms |",
        f"| streamed turns: text chunks each | {s['stream_chunks']} |",
    ]
    paths[1].write_text("\n".join(md) + "\n")
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4))
    turns = [r["turn"] for r in rows]
    a.plot(turns, [r["history"] for r in rows], label="full history")
    a.plot(turns, [r["sent"] for r in rows], label="sent by the proxy")
    a.axhline(cfg["budget"], ls=":", c="grey", label=f"memory budget ({cfg['budget']})")
    a.set_xlabel("turn")
    a.set_ylabel("prompt tokens")
    a.set_title("Prompt tokens per turn")
    a.legend()
    b.plot(turns, [r["overhead_ms"] for r in rows], ".", ms=3, label="proxy's clock")
    client = [(r["turn"], r["client_overhead_ms"]) for r in rows if r["client_overhead_ms"]]
    if client:
        b.plot(*zip(*client, strict=True), ".", ms=3, label="client wall − upstream")
    b.axhline(30, ls=":", c="grey", label="30 ms target (p95)")
    b.set_xlabel("turn")
    b.set_ylabel("ms")
    b.set_title("Proxy overhead per request (upstream excluded)")
    b.legend()
    fig.tight_layout()
    fig.savefig(paths[2], dpi=110)
    plt.close(fig)
    return paths
