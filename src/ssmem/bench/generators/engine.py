"""The shared stream engine: builds a family's events episode by episode until the target
token count is reached, recording a timeline that `questions.py` turns into ground truth.

Streams grow by adding episodes (new entities, facts, updates, loops, causes) and noise,
never by repeating text — except the deliberate heartbeat noise of log-like families.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from ssmem.bench.generators.parts import pick_part
from ssmem.bench.generators.spec import FamilySpec, NoiseState
from ssmem.bench.generators.values import ValuePool
from ssmem.bench.generators.vocab import VOCAB
from ssmem.bench.types import EventLabel
from ssmem.events import Event
from ssmem.tokens import TokenCounter


@dataclass
class Timeline:
    """What was stated when: the raw material for questions (all seqs are event seqs)."""

    keys: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    key_info: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # entity, attr, kind
    entities: dict[str, int] = field(default_factory=dict)  # entity -> intro seq
    constraints: list[tuple[int, str, str]] = field(default_factory=list)  # seq, rule_obj, rule
    loops: list[dict] = field(default_factory=list)
    causes: list[dict] = field(default_factory=list)
    quotes: list[tuple[int, str, str]] = field(default_factory=list)  # seq, entity, quote
    anomalies: list[tuple[int, str, str, str]] = field(default_factory=list)  # +metric, value
    # implicit update seq -> turns between the subject's last mention and the update
    implicit: dict[int, int] = field(default_factory=dict)


NAME_LISTS = ("first", "last", "adj", "noun")  # split by template part like the templates


class StreamEngine:
    """Builds one stream. Call `build(target_tokens)` once."""

    def __init__(
        self, spec: FamilySpec, split: str, seed: int, counter: TokenCounter, part: str = "all"
    ) -> None:
        self.spec, self.split, self.counter, self.part = spec, split, counter, part
        self.rng = random.Random(f"{spec.name}/{split}/{seed}")
        # Held-out streams also meet held-out names (people and entities), as eval does.
        self.vocab = {
            name: pick_part(words, part) if name in NAME_LISTS else words
            for name, words in VOCAB[split].items()
        }
        self.tpl = {role: pick_part(t, part) for role, t in spec.templates[split].items()}
        self.values = ValuePool(self.rng, self.vocab)
        self.events: list[Event] = []
        self.labels: dict[int, EventLabel] = {}
        self.tokens = 0
        self.cum: list[int] = []  # tokens up to and including each event
        self.tl = Timeline()
        self.noise_state = NoiseState(split=split, cast=self._cast())
        pairs = [(a, n) for a in self.vocab["adj"] for n in self.vocab["noun"]]
        triples = [(a, f"{n} {c}") for a, n in pairs for c in self.vocab["city"]]
        self.rng.shuffle(pairs)
        self.rng.shuffle(triples)
        self._names = pairs + triples  # two-word names first; three-word ones for long streams
        self._adj_of: dict[str, str] = {}
        self._readings = 0
        self._due: list[tuple[int, int, dict]] = []  # (episode, order, action)
        self._order = 0
        self.episode = 0
        # One surface noun per attribute for the whole stream; a separate RNG so that a
        # split with a single noun per attribute draws exactly the stream it always drew.
        noun_rng = random.Random(f"{spec.name}/{split}/{seed}/nouns")
        self.nouns = {
            a.key: a.noun[split]
            if isinstance(a.noun[split], str)
            else noun_rng.choice(pick_part(a.noun[split], part))
            for a in spec.attrs
        }

    # -- emitting ---------------------------------------------------------------------------
    def _cast(self) -> list[str]:
        return [
            f"{f} {self.rng.choice(self.vocab['last'])}"
            for f in self.rng.sample(self.vocab["first"], 4)
        ]

    def _source(self, role: str, entity: str = "") -> str:
        how = self.spec.sources.get(role, "cast")
        if how == "cast":
            return self.rng.choice(self.noise_state.cast)
        return entity if how == "entity" else how

    def emit(self, text: str, label: EventLabel, source: str) -> int:
        seq = len(self.events)
        ev = Event(seq=seq, text=text, source=source, kind=self.spec.kind)
        self.events.append(ev)
        self.labels[seq] = label
        self.tokens += self.counter.count(ev.label()) + 1
        self.cum.append(self.tokens)
        return seq

    def say(self, role: str, label: EventLabel, entity: str = "", **slots: str) -> int:
        text = self.rng.choice(self.tpl[role]).format(entity=entity, **slots)
        return self.emit(text, label, self._source(role, entity))

    def noise(self, n: int) -> None:
        for _ in range(n):
            for source, text, kind in self.spec.noise(self.rng, self.vocab, self.noise_state):
                self.emit(text, EventLabel(kind), source)

    # -- episode pieces ---------------------------------------------------------------------
    def new_entity(self, like: str | None = None) -> str | None:
        """A fresh entity; with `like`, one sharing its first word (a near-duplicate)."""
        if not self._names:
            return None
        pick = 0
        if like is not None:
            first = self._adj_of.get(like)
            pick = next((i for i, (a, _) in enumerate(self._names) if a == first), 0)
        adj, noun = self._names.pop(pick)
        ent = self.spec.entity_fmt(adj, noun)
        self._adj_of[ent] = adj
        self.noise_state.entities.append(ent)
        return ent

    def set_fact(self, entity: str, attr_i: int, role: str = "set") -> int:
        attr = self.spec.attrs[attr_i]
        key = f"{attr.key}:{entity}"
        value = self.values.draw(attr.kind)
        history = self.tl.keys.setdefault(key, [])
        prev = history[-1][0] if history else None
        noun = self.nouns[attr.key]
        seq = self.say(
            role if prev is not None else "set",
            EventLabel("fact", key, prev, value),
            entity,
            attr=noun,
            value=value,
        )
        history.append((seq, value))
        self.tl.key_info[key] = (entity, attr.key, attr.kind)
        return seq

    def schedule(self, after: int, action: dict) -> None:
        self._order += 1
        self._due.append((self.episode + after, self._order, action))

    def run_due(self) -> None:
        ready = sorted(d for d in self._due if d[0] <= self.episode)
        self._due = [d for d in self._due if d[0] > self.episode]
        for _, _, act in ready:
            if act["type"] == "resolve":
                loop = act["loop"]
                value = self.values.draw("person")
                loop["resolve_seq"] = self.say(
                    "resolve",
                    EventLabel("resolution", loop["key"], loop["open_seq"], value),
                    item=loop["item"],
                    value=value,
                )
                loop["value"] = value
            else:
                cause = act["cause"]
                cause["effect_seq"] = self.say(
                    "effect",
                    EventLabel("fact", f"symptom:{cause['entity']}", None, cause["symptom"]),
                    cause["entity"],
                    symptom=cause["symptom"],
                )

    def episode_once(self, target: int) -> None:
        r, tl = self.rng, self.tl
        ent = self.new_entity()
        if ent is not None:
            tl.entities[ent] = self.say(
                "intro", EventLabel("entity", f"entity:{ent}", None, ent), ent
            )
            self.noise(r.randrange(0, 2))
            for i in r.sample(range(len(self.spec.attrs)), 2):
                self.set_fact(ent, i)
                if r.random() < 0.5 and (twin := self.new_entity(like=ent)) is not None:
                    tl.entities.setdefault(twin, self.events[-1].seq)
                    self.set_fact(twin, i)  # near-duplicate fact about another entity
                self.noise(r.randrange(0, 3))
        if tl.keys and r.random() < 0.8:
            key = r.choice(sorted(tl.keys))
            entity, attr_key, _ = tl.key_info[key]
            self.set_fact(entity, [a.key for a in self.spec.attrs].index(attr_key), "update")
            self.noise(r.randrange(0, 2))
        if tl.keys and "implicit" in self.tpl and r.random() < 0.7:
            self.thread(r.choice(sorted(tl.keys)))
        if ent is not None and r.random() < 0.4:
            item = r.choice(self.tpl["item"]).format(entity=ent)
            loop = {"item": item, "key": f"open:{item}", "resolve_seq": None, "value": None}
            loop["open_seq"] = self.say(
                "open", EventLabel("open_question", loop["key"], None, item), item=item
            )
            tl.loops.append(loop)
            if r.random() < 0.75:
                self.schedule(r.randrange(2, 7), {"type": "resolve", "loop": loop})
        if ent is not None and r.random() < 0.4:
            change = f"{r.choice(self.tpl['param'])}={self.values.draw('count')}"
            cause = {
                "entity": ent,
                "change": change,
                "symptom": r.choice(self.tpl["symptom"]),
                "effect_seq": None,
            }
            cause["cause_seq"] = self.say(
                "cause", EventLabel("decision", f"change:{ent}", None, change), ent, change=change
            )
            tl.causes.append(cause)
            self.schedule(r.randrange(2, 6), {"type": "effect", "cause": cause})
        if ent is not None and r.random() < 0.35:
            quote = r.choice(self.tpl["quote_msg"]).format(
                n=r.randrange(100, 9999), m=r.randrange(2, 999)
            )
            seq = self.say(
                "quote", EventLabel("fact", f"error:{ent}", None, quote), ent, quote=quote
            )
            tl.quotes.append((seq, ent, quote))
        self.readings(target)
        self.noise(r.randrange(1, 4))
        self.run_due()
        self.episode += 1

    def thread(self, key: str) -> None:
        """Name a held subject ("ping"), let 0-3 unrelated turns pass, then change its value
        without naming it ("implicit"); see `threads.py`."""
        entity, attr_key, _ = self.tl.key_info[key]
        attr_i = [a.key for a in self.spec.attrs].index(attr_key)
        self.say("ping", EventLabel("noise", key), entity, attr=self.nouns[attr_key])
        gap = self.rng.randrange(0, 4)
        for _ in range(gap):
            self.noise(1)
        seq = self.set_fact(entity, attr_i, "implicit")
        self.tl.implicit[seq] = gap

    def readings(self, target: int) -> None:
        """Routine readings of one metric; once, late enough, a reading far outside them."""
        if "reading" not in self.tpl or not self.noise_state.entities:
            return
        r = self.rng
        ent = self.noise_state.entities[0]
        metric = self.vocab["metric"][0]
        unit = self.spec.reading_unit
        for _ in range(r.randrange(1, 3)):
            self.say(
                "reading",
                EventLabel("noise"),
                ent,
                metric=metric,
                value=f"{r.randrange(40, 90)} {unit}",
            )
        self._readings += 1
        if not self.tl.anomalies and self.tokens > self._anomaly_at and self._readings > 6:
            value = f"{r.randrange(700, 999)} {unit}"
            seq = self.say(
                "reading",
                EventLabel("fact", f"anomaly:{ent}", None, value),
                ent,
                metric=metric,
                value=value,
            )
            self.tl.anomalies.append((seq, ent, metric, value))

    # -- whole stream -----------------------------------------------------------------------
    def build(self, target_tokens: int) -> None:
        r = self.rng
        self._anomaly_at = int(target_tokens * r.uniform(0.2, 0.6))
        for rule_obj in r.sample(self.vocab["rule_obj"], 2):  # stated once, hold throughout
            rule = r.choice(self.tpl["rule"]).format(rule_obj=rule_obj)
            seq = self.say(
                "constraint", EventLabel("constraint", f"rule:{rule_obj}", None, rule), rule=rule
            )
            self.tl.constraints.append((seq, rule_obj, rule))
        while self.tokens < target_tokens:
            self.episode_once(target_tokens)
