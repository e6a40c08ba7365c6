"""Hash every context of a fixed query set, to check a refactor changes no context.

The set: the four generated eval families at 8k tokens (seed 0) and LoCoMo conversation 0,
every question asked where the benchmark asks it, budgets 256 and 1024, systems window, rag,
full, ssm and hybrid. Prints one sha256 per system and overall; `--dump DIR` also writes
each context's rendered text (one JSON line per context) so two runs can be diffed.

    python experiments/context_hash.py --dump /tmp/ctx-before
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

from ssmem.bench.streams import StreamOptions, make_stream
from ssmem.systems import make_system
from ssmem.tokens import default_counter

FAMILIES = (("meeting", 8000), ("coding", 8000), ("agent", 8000), ("incident", 8000))
SYSTEMS = ("window", "rag", "full", "ssm", "hybrid")
BUDGETS = (256, 1024)


def contexts(system_name: str):
    counter = default_counter()
    streams = [make_stream(f, n, 0, counter, StreamOptions()) for f, n in FAMILIES]
    streams.append(make_stream("locomo", 0, 0, counter, StreamOptions()))
    for stream in streams:
        system = make_system(system_name, counter)
        index = {e.seq: i for i, e in enumerate(stream.events)}
        done = 0
        for q in sorted(stream.questions, key=lambda q: q.at_seq):
            upto = index[q.at_seq] + 1
            if upto > done:
                system.ingest(stream.events[done:upto])
                done = upto
            for b in BUDGETS:
                ctx = system.context(q.query, b)
                yield {
                    "family": stream.family,
                    "query": q.query,
                    "budget": b,
                    "text": ctx.render(),
                    "seqs": sorted(ctx.seqs()),
                }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--systems", default=",".join(SYSTEMS))
    ap.add_argument("--dump", type=Path)
    args = ap.parse_args()
    total = hashlib.sha256()
    for name in args.systems.split(","):
        h = hashlib.sha256()
        rows = list(contexts(name))
        for row in rows:
            blob = json.dumps(row, ensure_ascii=False, sort_keys=True).encode()
            h.update(blob)
            total.update(blob)
        if args.dump:
            args.dump.mkdir(parents=True, exist_ok=True)
            with open(args.dump / f"{name}.jsonl", "w") as f:
                for row in rows:
                    f.write(json.dumps(row, ensure_ascii=False) + "\n")
        print(f"{name:8s} {len(rows):5d} contexts  {h.hexdigest()[:16]}", flush=True)
    print(f"all      {total.hexdigest()[:16]}")


if __name__ == "__main__":
    main()
