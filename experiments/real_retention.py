"""What the compressor keeps and ranks on real text it never trained on, per checkpoint.

For each checkpoint given, on data the benchmark never asks (LoCoMo conversations 8-9, the
first N items of LongMemEval's *calibration* split, Thunderbird_2k in 500-line streams):
- retention: the share of question evidence events some live slot holds (current or history);
  on logs, of the lines whose template is new to the stream;
- noise dropped: on logs, the share of lines whose template came 5+ times before that no
  slot holds;
- rank@K: the share of questions with an evidence event among the memory's own first K slots
  for the question (K = 8, 32);
- slots: live slots per 100 events.
These are the write-time and memory-rank figures the hybrid's memory lines depend on.

Run: .venv/bin/python experiments/real_retention.py N_LME CKPT [CKPT ...]  ("shipped" = the
checkpoint in the package).
"""

import sys
from collections import defaultdict

from ssmem.systems.ssm import SSMMemory
from ssmem.train.real import loghub_training, longmemeval_training, real_training

N_LME = int(sys.argv[1])
CKPTS = sys.argv[2:] or ["shipped"]


def streams():
    for real in real_training(["locomo"], "calibration"):
        yield "locomo 8-9", real
    for real in longmemeval_training("calibration", N_LME):
        yield "lme calib", real
    for real in loghub_training("calibration"):
        yield "thunderbird", real


def measure(ckpt: str, real) -> dict[str, float]:
    stream = real.stream
    system = SSMMemory(checkpoint=None if ckpt == "shipped" else ckpt)
    system.ingest(stream.events)
    view = system.memory()
    held = {seq for s in view.slots for seq in s.seqs}
    qs = [q for q in stream.questions if q.evidence]
    ev = [e for q in qs for e in q.evidence] or [s for s, k in real.keep.items() if k]
    noise = [s for s, k in real.keep.items() if not k]
    out = {
        "retention": sum(e in held for e in ev) / max(1, len(ev)),
        "noise dropped": sum(e not in held for e in noise) / max(1, len(noise)),
        "slots/100ev": 100 * len(view.slots) / len(stream.events),
    }
    for k in (8, 32):
        hit = 0
        for q in qs:
            first = view.ranked(q.query)[:k]
            seqs = {seq for s in first for seq in s.seqs}
            hit += any(e in seqs for e in q.evidence)
        out[f"rank@{k}"] = hit / max(1, len(qs))
    return out


rows = defaultdict(lambda: defaultdict(list))
for name, real in streams():
    for ckpt in CKPTS:
        for k, v in measure(ckpt, real).items():
            rows[(name, ckpt)][k].append(v)
    print(name, real.stream.info.get("question_id", real.stream.seed), flush=True)

COLS = ("retention", "noise dropped", "rank@8", "rank@32")
print("| data | checkpoint | " + " | ".join(COLS) + " | slots/100ev |")
print("|---|---|---|---|---|---|---|")
for (name, ckpt), m in sorted(rows.items()):
    cells = [f"{sum(m[k]) / len(m[k]):.3f}" for k in COLS]
    cells.append(f"{sum(m['slots/100ev']) / len(m['slots/100ev']):.1f}")
    print(f"| {name} | {ckpt} | " + " | ".join(cells) + " |")
