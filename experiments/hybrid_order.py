"""How the hybrid should spend its budget, chosen on data the benchmark never asks.

Compares `rag` with the hybrid's one relevance order (`systems/merge.py`) under its two
settings (`ReadConfig`): `constraint_share` (1.0: constraints may take the whole budget;
0.25) and `memory_lead` (the share of the room the memory's first lines may hold at their
own rank: 0, 0.25, 0.5). The hybrid before the merge (a retrieval policy and a budget share
from the memory's confidence) is the `hybrid` of commit ece45d0; the variants whose lead was
a count of lines ("lead 3", and the reciprocal-rank fusion of both orders) ran with this
script at commit 2d57029 and its working tree (docs/results.md). Data, all outside the
benchmark's eval:
- generated *train* streams (seeds 500, 501; 8k tokens, or LENGTH; budget 512) of every
  generated family;
- LoCoMo conversations 3–5 (the benchmark asks 0–2), budget 1024;
- BGL with question seeds 10–11 (the benchmark asks 0–2), budget 1024;
- the LongMemEval dev half's *fit* split (first N items), budgets 512 / 1024 / 4096.

Run: .venv/bin/python experiments/hybrid_order.py PART [N_LME] [STORE]
PART: generated | real | lme. STORE: an embedding-store file (quality only). Environment:
LENGTH (generated stream tokens), ONLY (comma-separated systems to run).
"""

import os
import sys
from dataclasses import replace

if len(sys.argv) > 3:
    os.environ["SSMEM_EMBED_STORE"] = sys.argv[3]

from metric_table import print_table

from ssmem.bench import generate
from ssmem.systems import register
from ssmem.systems.hybrid import HybridMemory

PART = sys.argv[1]
N_LME = int(sys.argv[2]) if len(sys.argv) > 2 else 16
LENGTH = int(os.environ.get("LENGTH", "8000"))
VARIANTS = {"merge": (1.0, 0.0), "merge+cap": (0.25, 0.0), "cap+leadshare0.25": (0.25, 0.25)}
VARIANTS["cap+leadshare0.5"] = (0.25, 0.5)  # what ships


def variant(counter, share: float, lead: float) -> HybridMemory:
    mem = HybridMemory(counter)
    mem.settings = replace(mem.settings, constraint_share=share, memory_lead=lead)
    return mem


for name, (share, lead) in VARIANTS.items():
    register(f"hybrid:{name}", lambda c, a=share, b=lead: variant(c, a, b))
ONLY = os.environ.get("ONLY")
KEYS = ("answerable", "evidence_recall", "stale_exposure", "constraint_retention", "current_marked")


def streams():
    if PART == "generated":
        fams = ("meeting", "coding", "agent", "incident", "household", "meeting-thread")
        fams += ("incident-thread",)
        for fam in fams:
            for seed in (500, 501):
                yield fam, generate(fam, "train", seed, LENGTH), [512]
    elif PART == "real":
        from ssmem.bench.locomo import locomo_streams
        from ssmem.bench.loghub import bgl_stream

        for s in locomo_streams([3, 4, 5]):
            yield "locomo", s, [1024]
        for seed in (10, 11):
            yield "bgl", bgl_stream(100_000, seed), [1024]
    elif PART == "lme":
        from ssmem.bench.longmemeval import longmemeval_stream, split_items

        for i, item in enumerate(split_items("fit")[:N_LME]):
            yield "lme", longmemeval_stream(item, i), [512, 1024, 4096]


systems = ["rag", *(f"hybrid:{v}" for v in VARIANTS)]
if ONLY:
    systems = ONLY.split(",")

print_table(streams(), systems, KEYS, "family")
