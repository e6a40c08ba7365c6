"""Which compressor checkpoint to ship: compared on data neither training nor the benchmark uses.

Systems `ssm` and `hybrid` with each checkpoint given (and `rag` as the reference), on
- LoCoMo conversations 8-9 (training uses 3-7; 8-9 only set the keep threshold), budget 1024;
- the LongMemEval dev half's *calibration* items (first N; training reads only "fit"),
  budgets 512 / 1024 / 4096;
- BGL with question seeds 10-11 (the benchmark asks 0-2; the log lines are the same, so
  this is a check, not independent of the benchmark's BGL figures), budget 1024;
- generated train-split streams from the held-out template part (seeds 500-501, LENGTH
  tokens, budget 512), every generated family.

Run: .venv/bin/python experiments/real_training.py PART N_LME NAME=CKPT [NAME=CKPT ...]
PART: real | bgl | generated. CKPT "shipped" = the package's checkpoint. Environment: LENGTH,
FAMILIES (generated families, comma-separated; default all), SYSTEMS (default rag,ssm,hybrid),
SSMEM_EMBED_STORE (an embedding store: quality only).
"""

import os
import sys

from metric_table import print_table

from ssmem.bench import generate
from ssmem.systems import register
from ssmem.systems.hybrid import HybridMemory
from ssmem.systems.ssm import SSMMemory
from ssmem.train.real import longmemeval_training, real_training

PART = sys.argv[1]
N_LME = int(sys.argv[2])
CKPTS = dict(a.split("=", 1) for a in sys.argv[3:])
LENGTH = int(os.environ.get("LENGTH", "8000"))
KEYS = ("answerable", "evidence_recall", "stale_exposure", "constraint_retention", "current_marked")

for name, path in CKPTS.items():
    ck = None if path == "shipped" else path
    register(f"ssm@{name}", lambda c, ck=ck: SSMMemory(c, checkpoint=ck))
    register(f"hybrid@{name}", lambda c, ck=ck: HybridMemory(c, SSMMemory(c, checkpoint=ck)))
KINDS = os.environ.get("SYSTEMS", "rag,ssm,hybrid").split(",")
systems = ["rag"] if "rag" in KINDS else []
systems += [f"{s}@{n}" for n in CKPTS for s in ("ssm", "hybrid") if s in KINDS]
ALL = ("meeting", "coding", "agent", "incident", "household", "meeting-thread", "incident-thread")
FAMILIES = os.environ.get("FAMILIES", ",".join(ALL)).split(",")


def streams():
    if PART == "real":
        for r in real_training(["locomo"], "calibration"):
            yield "locomo 8-9", r.stream, [1024]
        for r in longmemeval_training("calibration", N_LME):
            yield "lme calib", r.stream, [512, 1024, 4096]
    elif PART == "bgl":
        from ssmem.bench.loghub import bgl_stream

        for seed in (10, 11):
            yield "bgl q10-11", bgl_stream(100_000, seed), [1024]
    else:
        for fam in FAMILIES:
            for seed in (500, 501):
                yield fam, generate(fam, "train", seed, LENGTH, part="heldout"), [512]


print_table(streams(), systems, KEYS, "data")
