"""One read path: the benchmark, `ssmem ask` (the orchestrator) and the service's /context
show the same lines for the same stream, query and budget — what is scored is what a user
and a reader get (the reader in time order, each event once)."""

from __future__ import annotations

import pytest

from ssmem import make_system
from ssmem.bench import generate
from ssmem.context.render import render_lines
from ssmem.llm.reader import build_messages
from ssmem.orchestrator import OrchestratorConfig, build_prompt, in_time_order
from ssmem.tokens import default_counter


@pytest.mark.slow
@pytest.mark.parametrize("system", ["window", "ssm", "hybrid"])
def test_bench_ask_and_service_show_the_same_lines(server, system) -> None:
    stream = generate("incident", "eval", 1_000_011, 2500)
    counter = default_counter()
    c = server.tenant()
    sid = c.create_session(system=system)["id"]
    c.ingest(sid, [e.to_dict() for e in stream.events])
    bench = make_system(system, counter)  # as `ssmem bench` builds and feeds it
    bench.ingest(stream.events)
    ask = make_system(system, counter)  # as `ssmem ask` does, with the reader's counter
    ask.ingest(stream.events)
    budget = 256
    for q in stream.questions[-4:]:
        scored = bench.context(q.query, budget)
        served = c.context(sid, q.query, budget)
        assert served["text"] == scored.render()
        assert served["lines"] == [line.to_dict() for line in scored.lines]
        # The orchestrator gives the context what the instructions and question leave.
        fixed = sum(counter.count(m["content"]) for m in build_messages("", q.query, cite=True))
        whole = budget + fixed + OrchestratorConfig().template_reserve
        prompt = build_prompt(ask, q.query, whole, counter)
        assert prompt.context.lines == scored.lines
        # the reader gets those lines in time order, each event once (orchestrator.py)
        shown = render_lines(in_time_order(scored.lines))
        assert f"Notes:\n{shown}\n\nQuestion:" in prompt.text
