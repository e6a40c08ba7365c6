"""Ground-truth questions from an engine's timeline, correct by construction.

Questions are asked at points spread over the second two thirds of the stream; at each point
every category that has material gets one question, about a target drawn from everything
stated so far (so distances between fact and question range from short to the whole stream).
"""

from __future__ import annotations

import random
from bisect import bisect_right

from ssmem.bench.generators.engine import StreamEngine
from ssmem.bench.generators.parts import pick_part
from ssmem.bench.generators.templates import QUESTIONS
from ssmem.bench.generators.values import variants
from ssmem.bench.types import Question


def question_points(engine: StreamEngine) -> list[int]:
    """Seqs after which questions are asked: ~one per 800 tokens, 2..24 of them."""
    n = max(2, min(24, engine.tokens // 800))
    cum, total = engine.cum, engine.tokens
    points = []
    for i in range(1, n + 1):
        at = total * (1 / 3 + (2 / 3) * i / n)
        points.append(min(len(cum) - 1, bisect_right(cum, at - 1)))
    return sorted(set(points))


def questions_at(engine: StreamEngine, p: int, rng: random.Random) -> list[Question]:
    tl, split = engine.tl, engine.split
    tpl = {role: pick_part(t, engine.part) for role, t in QUESTIONS[split].items()}
    attrs = {a.key: a for a in engine.spec.attrs}
    out: list[Question] = []

    def ask(cat: str, role: str, answers, stale, evidence, subject=None, **slots: str) -> None:
        query = rng.choice(tpl[role]).format(**slots)
        out.append(Question(p, query, tuple(answers), tuple(stale), tuple(evidence), cat, subject))

    hist = {k: [h for h in v if h[0] <= p] for k, v in tl.keys.items()}
    hist = {k: v for k, v in hist.items() if v}
    if hist:
        updated = sorted(k for k, v in hist.items() if len(v) > 1)
        key = rng.choice(updated) if updated and rng.random() < 0.6 else rng.choice(sorted(hist))
        entity, attr_key, kind = tl.key_info[key]
        (seq, value), old = hist[key][-1], [v for _, v in hist[key][:-1] if v != hist[key][-1][1]]
        ask(
            "current_value",
            "current",
            variants(kind, value),
            old,
            [seq],
            subject=entity,
            entity=entity,
            attr=engine.nouns[attr_key],
        )
        # Thread families: one more question about a value last changed implicitly.
        implicit = sorted(k for k, v in hist.items() if v[-1][0] in tl.implicit)
        if implicit:
            key = rng.choice(implicit)
            entity, attr_key, kind = tl.key_info[key]
            (seq, value) = hist[key][-1]
            ask(
                "implicit_update",
                "current",
                variants(kind, value),
                [v for _, v in hist[key][:-1] if v != value],
                [seq],
                subject=entity,
                entity=entity,
                attr=engine.nouns[attr_key],
            )
        if updated:
            key = rng.choice(updated)
            entity, attr_key, kind = tl.key_info[key]
            (pseq, pval), (_, cur) = hist[key][-2], hist[key][-1]
            ask(
                "temporal",
                "before",
                variants(kind, pval),
                [],
                [pseq],
                subject=entity,
                entity=entity,
                attr=engine.nouns[attr_key],
                value=cur,
            )
    cons = [c for c in tl.constraints if c[0] <= p]
    if cons:
        seq, rule_obj, rule = rng.choice(cons)
        ask("constraint", "constraint", [rule], [], [seq], rule_obj=rule_obj)
    loops = [lp for lp in tl.loops if lp["open_seq"] <= p]
    if loops:
        lp = rng.choice(loops)
        if lp["resolve_seq"] is not None and lp["resolve_seq"] <= p:
            ask(
                "open_loop",
                "resolved",
                [lp["value"]],
                [],
                [lp["open_seq"], lp["resolve_seq"]],
                item=lp["item"],
            )
        else:
            ask("open_loop", "unresolved", [lp["item"]], [], [lp["open_seq"]], item=lp["item"])
    causes = [c for c in tl.causes if c["effect_seq"] is not None and c["effect_seq"] <= p]
    anomalies = [a for a in tl.anomalies if a[0] <= p]
    if anomalies and (not causes or rng.random() < 0.3):
        seq, entity, metric, value = anomalies[0]
        ask("causal", "anomaly", [value], [], [seq], entity=entity, metric=metric)
    elif causes:
        c = rng.choice(causes)
        ask(
            "causal",
            "cause",
            [c["change"]],
            [],
            [c["cause_seq"], c["effect_seq"]],
            entity=c["entity"],
            symptom=c["symptom"],
        )
    quotes = [q for q in tl.quotes if q[0] <= p]
    if quotes:
        seq, entity, quote = rng.choice(quotes)
        ask("exact_quote", "quote", [quote], [], [seq], entity=entity)
    set_attrs: dict[str, set[str]] = {}
    for entity, attr_key, _ in tl.key_info.values():
        set_attrs.setdefault(entity, set()).add(attr_key)
    never = [
        (e, a)
        for e, s in sorted(tl.entities.items())
        if s <= p
        for a in sorted(attrs)
        if a not in set_attrs.get(e, set())
    ]
    if never:
        entity, attr_key = rng.choice(never)
        ask("abstention", "abstain", [], [], [], entity=entity, attr=engine.nouns[attr_key])
    return out


def make_questions(engine: StreamEngine) -> list[Question]:
    rng = random.Random(f"questions/{engine.spec.name}/{engine.split}/{engine.rng.random()}")
    return [q for p in question_points(engine) for q in questions_at(engine, p, rng)]
