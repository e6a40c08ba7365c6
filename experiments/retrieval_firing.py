"""How often the hybrid system's retrieval fired, by rule, and what it bought: a record of the
retrieval policy retired for one relevance order (`systems/merge.py`; run at commit c3d4ad1).

Run: .venv/bin/python experiments/retrieval_firing.py  (eval streams, 8k tokens, budget 512)
"""

from collections import Counter, defaultdict

from ssmem.bench import generate
from ssmem.bench.metrics import contains
from ssmem.systems import make_system

fired = Counter()
total = 0
gain = defaultdict(lambda: [0, 0, 0])  # rule -> [n, ssm_ok, hybrid_ok]
for fam in ["meeting", "coding", "agent", "incident"]:
    s = generate(fam, "eval", 1_000_000, 8000)
    h = make_system("hybrid")
    idx = {e.seq: i for i, e in enumerate(s.events)}
    done = 0
    for q in sorted(s.questions, key=lambda q: q.at_seq):
        h.ingest(s.events[done : idx[q.at_seq] + 1])
        done = idx[q.at_seq] + 1
        if not q.answers:
            continue
        total += 1
        ctx = h.context(q.query, 512)
        rule = (ctx.info.retrieval.rule if ctx.info.retrieval else None) or "none"
        fired[rule] += 1
        base = h.ssm.context(q.query, 512).render()
        g = gain[rule]
        g[0] += 1
        g[1] += any(contains(base, a) for a in q.answers)
        g[2] += any(contains(ctx.render(), a) for a in q.answers)
print("questions with an answer:", total)
for rule, (n, a, b) in sorted(gain.items()):
    print(f"| {rule} | {n} ({n / total:.0%}) | {a / n:.2f} | {b / n:.2f} |")
