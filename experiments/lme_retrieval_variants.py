"""Which rag-lme parts help, measured on the LongMemEval-S dev half's *fit* split only (the
benchmark's eval items are never used to choose): evidence recall at 512 / 1024 / 4096 of
rag, and rag-lme with and without its session keys and time-aware expansion, and showing
whole events rather than passages where they fit.

Run: .venv/bin/python experiments/lme_retrieval_variants.py [N_ITEMS] [STORE]
(STORE: an embedding-store file, so a rerun does not encode again.)
"""

import os
import sys
from collections import defaultdict
from dataclasses import replace

if len(sys.argv) > 2:
    os.environ["SSMEM_EMBED_STORE"] = sys.argv[2]

from ssmem.bench.longmemeval import longmemeval_stream, split_items
from ssmem.systems.rag import RAGConfig, RAGMemory
from ssmem.systems.rag_lme import RAGLMEConfig, RAGLMEMemory

N = int(sys.argv[1]) if len(sys.argv) > 1 else 24
BUDGETS = (512, 1024, 4096)
VARIANTS = {
    "rag-lme": {},
    "event values": {"value": "event"},
    "no session keys": {"session_keys": False},
    "no time": {"time_aware": False},
    "passages only": {"session_keys": False, "time_aware": False},
}
recall: dict[tuple[str, str, int], list[float]] = defaultdict(list)
items = split_items("fit")[:N]
for i, item in enumerate(items):
    stream = longmemeval_stream(item, i)
    q = stream.questions[0]
    if not q.evidence:
        continue
    rag = RAGMemory(config=RAGConfig())
    rag.ingest(stream.events)
    lme = RAGLMEMemory()
    lme.ingest(stream.events)
    for b in BUDGETS:
        seqs = rag.context(q.query, b).seqs()
        for key in (q.group, "all"):
            recall[(key, "rag", b)].append(sum(e in seqs for e in q.evidence) / len(q.evidence))
        for name, change in VARIANTS.items():
            lme.config = replace(RAGLMEConfig(), **change)
            seqs = lme.context(q.query, b).seqs()
            r = sum(e in seqs for e in q.evidence) / len(q.evidence)
            for key in (q.group, "all"):
                recall[(key, name, b)].append(r)
    print(f"{i + 1}/{len(items)} {q.group}", file=sys.stderr, flush=True)

groups = sorted({k[0] for k in recall})
print(f"fit items: {len(items)}; evidence recall (mean over questions)\n")
print("| type | system | n | " + " | ".join(f"@{b}" for b in BUDGETS) + " |")
print("|---|---|---|" + "---|" * len(BUDGETS))
for g in groups:
    for name in ("rag", *VARIANTS):
        cells = [recall[(g, name, b)] for b in BUDGETS]
        print(
            f"| {g} | {name} | {len(cells[0])} | "
            + " | ".join(f"{sum(c) / len(c):.2f}" for c in cells)
            + " |"
        )
