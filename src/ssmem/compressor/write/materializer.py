"""The materializer: turns per-event head outputs into slot decisions, deterministically.

For each event, in stream order: drop it if the retention head calls it noise (unless it is
a chat turn carrying a concrete value: a code, an amount, an id) or it is chat that states
nothing on its own ("Great.", "ok", "Tacos."; both rules in `text/chatter.py`). A kept
event's kind is the type head's likeliest one other than noise, or a plain fact when noise
is likelier than any (`kind_of`). Then find the live slot it is about. For an update or a
resolution, learned attribution (two heads that see the SSM state, `Attribution`) first
finds the event that *named* what it changes — itself when it names it ("Atlas budget is
now $9k"), else the earlier event among the last `thread_window` (dropped ones included)
its attribution vector points at, the thread's last mention ("any news on the Harbor
deposit?" ... "heard back: 450"); that event's key and words then find the slot. Anything
else is matched by its own key and words. The score is the key cosine plus `lex_weight`
times the IDF-weighted share of the event's words the slot's text also has (rare words,
i.e. names and ids, dominate; template words count for little), scored over the
`candidates` nearest slots by key. A resolution closes the best-matching open loop; an
update (update head on, match close enough, slot of a compatible type) replaces that slot's
value and keeps the old one in its history — both only when the supersession policy
(`SupersedePolicy`) allows the event's source to replace that value, else the event opens
its own slot and the decision records the slot it was refused (`refused`); a replacement
the policy flags (another source's value, a constraint) is flagged on the new `Version`. A
restatement (the same statement, `statement_key`: as the nearest slot's text, or, for a
statement that stands alone, as the newest live slot's current text that names no thread,
when the event names its own subject or that text is its own source's) merges into that
slot and counts as a copy, so a flood of one line is one slot; anything else opens a new
slot. When the memory is full, the least useful slot goes (constraints and open loops
last). The thresholds live in `MaterializerConfig` and ship with the checkpoint; they are
set on the train split, never on evaluation streams.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np

from ssmem.compressor.policy import SupersedePolicy, Verdict, stands_alone, statement_key
from ssmem.compressor.store.slots import OPEN_TYPES, TYPES, Slot, Version
from ssmem.context.screen import screen
from ssmem.events import Event
from ssmem.text import Analysis, analyse
from ssmem.text.chatter import CHAT_KINDS, carries_value, says_nothing
from ssmem.text.lexicon import DocFreq, words

NOISE = TYPES.index("noise")
RARE_WORDS = 3  # an update's rarest words whose slots are always match candidates
# Which slot types an event of a given type may overwrite. Entities, open questions,
# resolutions and noise never overwrite anything (resolutions close loops instead).
UPDATES = {
    "fact": ("fact", "decision"),
    "decision": ("fact", "decision"),
    "constraint": ("constraint",),
    "task": ("task",),
}


def kind_of(p: np.ndarray) -> str:
    """The kind a kept event's slot takes from the type head's probabilities: the most
    likely kind other than noise, or a plain "fact" when the head finds noise likelier than
    any kind (an event kept below the head's own confidence, by a low calibrated keep
    threshold or for the value it carries, gets no rank a kind earns, e.g. a constraint's
    place at the top of every prompt)."""
    best = int(np.argmax(p))
    if best == NOISE:
        return "fact"
    return TYPES[best]


@dataclass
class MaterializerConfig:
    max_slots: int = 4096  # hard bound on memory, whatever the stream length
    keep_threshold: float = 0.5  # keep an event when p(not noise) >= this
    update_threshold: float = 0.5  # p(update) needed to overwrite a slot
    match_threshold: float = 0.6  # key cosine needed for an update / resolution to land
    recency_half_life: int = 2000  # events; how fast unused slots lose rank for eviction
    max_history: int = 8  # superseded versions kept per slot (older ones fall off)
    lex_weight: float = 1.0  # weight of shared rare words next to the key cosine in matching
    candidates: int = 8  # slots nearest by key that are rescored with the word overlap
    thread_window: int = 8  # earlier events an update may point at as naming its subject
    thread_threshold: float = 0.5  # p(update) for a new slot to take the pointed-at subject
    names_threshold: float = 0.0  # `names` logit at which an event names its own subject
    rank_lex: float = 1.0  # read side: weight of query-word overlap when ranking slots
    rank_phrase: float = 0.0  # read side: weight of query-phrase matches (phrases.py)
    read_match: float = 0.6  # read side: key cosine for "probably superseded" (consolidate.py)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Decision:
    """What happened to one event (kept for attribution and `ssmem memory --json`)."""

    seq: int
    action: str  # dropped | withheld (context/screen.py) | new | updated | resolved | merged
    slot: int | None
    p_keep: float
    p_update: float
    match: float
    type: str
    via: int | None = None  # the earlier event that named what this change is about
    refused: int | None = None  # the slot the supersession policy did not let it change
    cross_source: bool = False  # it replaced a value another source stated (flagged)
    supersedes_constraint: bool = False  # it replaced a constraint (flagged)


@dataclass(frozen=True)
class Attribution:
    """The attribution heads' outputs for one event: does it name what it is about
    (`names_logit`), and if not, where in key space the earlier event that did lies."""

    query: np.ndarray
    names_logit: float


@dataclass(frozen=True)
class Recent:
    """One of the last events, kept or not: what an update may point at."""

    version: Version
    key: np.ndarray
    words: frozenset[str]


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


class Materializer:
    """Owns the slots. `apply` consumes one event and its head outputs (numpy, one row)."""

    def __init__(
        self,
        config: MaterializerConfig | None = None,
        allow_updates: bool = True,
        policy: SupersedePolicy | None = None,
    ) -> None:
        self.config = config or MaterializerConfig()
        self.allow_updates = allow_updates  # False: the "no update head" ablation
        self.policy = policy or SupersedePolicy()  # who may supersede what (a setting)
        self.slots: dict[int, Slot] = {}
        self.next_id = 0
        # Keys of live slots as one matrix, so finding the nearest slot is one mat-vec.
        self._rows: list[int] = []  # row -> slot id
        self._row_of: dict[int, int] = {}  # slot id -> row
        self._keys = np.zeros((0, 0), dtype=np.float32)
        self.dropped = 0
        self.last_decision: Decision | None = None
        self.lexicon = DocFreq()  # document frequencies of every event seen (kept or not)
        # The last events, kept or not: what an update may point at as naming its subject.
        self._recent: deque[Recent] = deque(maxlen=self.config.thread_window + 1)
        self._by_word: dict[str, set[int]] = {}  # word -> live slots about it (about_words)
        self._indexed: dict[int, set[str]] = {}  # slot id -> every word it is indexed under
        # statement_key -> live slots whose current text (naming no thread) says it: where a
        # restatement merges. Derived from the slots, so built on first use (also after a
        # state import) and kept up to date from then on.
        self._statements: dict[str, set[int]] | None = None

    def apply(
        self,
        event: Event,
        type_logits: np.ndarray,
        key: np.ndarray,
        update_logit: float,
        utility_logit: float,
        text_vec: np.ndarray,
        attribution: Attribution | None = None,
    ) -> Decision:
        """Apply one event. Without `attribution` (a checkpoint without those heads) the
        event's own key and words decide what it changes."""
        cfg = self.config
        self.lexicon.add(event.text)
        p = softmax(type_logits)
        p_keep = float(1.0 - p[NOISE])
        p_update = float(1.0 / (1.0 + np.exp(-update_logit)))
        utility = float(1.0 / (1.0 + np.exp(-utility_logit)))
        type_ = kind_of(p)
        version = Version(event.seq, event.text, event.source, ts=event.ts)
        # Every event's words (an update may point at a dropped one); the full analysis
        # only for a kept event, made once here and kept with the slot it lands in.
        ev_words = frozenset(words(event.text))
        if screen(event.text, event.source) is not None:  # written to steer the reader:
            self.dropped += 1  # never a slot, nor the subject a later update points at
            return self._decide(Decision(event.seq, "withheld", None, p_keep, p_update, 0.0, type_))
        self._recent.append(Recent(version, key, ev_words))
        keep = p_keep >= cfg.keep_threshold or (
            event.kind in CHAT_KINDS and carries_value(event.text)  # a code, an amount, an id
        )
        if not keep or says_nothing(event.text):  # text/chatter.py
            self.dropped += 1
            return self._decide(Decision(event.seq, "dropped", None, p_keep, p_update, 0.0, type_))
        analysis = analyse(event.text)

        want_open = type_ == "resolution"
        named = self._named_by(attribution)
        via, about_key, about_words = named.version.seq, named.key, named.words
        refused = None
        if want_open:
            best, sim, refused = self._allowed(
                about_key, about_words, lambda s: s.status == "open", event.source
            )
        else:
            best, sim = self._nearest(key, ev_words, lambda s: True)
        if want_open and best is not None and sim >= cfg.match_threshold:
            # `_allowed` found a slot this source may close: the verdict only flags it.
            verdict = self.policy.judge(best.current.source, event.source, best.type, True)
            best.status = "resolved"
            self._replace(best, _flagged(version, verdict), "resolved", text_vec, analysis)
            best.utility = max(best.utility, utility)
            return self._decide(
                Decision(
                    event.seq,
                    "resolved",
                    best.id,
                    p_keep,
                    p_update,
                    sim,
                    type_,
                    via,
                    refused,
                    supersedes_constraint=verdict.constraint,
                )
            )
        if want_open:
            best, sim = self._nearest(key, ev_words, lambda s: True)
        same = self._restated(best, statement_key(event.text), via == event.seq, event.source)
        if same is not None:
            same.restate(event.seq)
            return self._decide(
                Decision(
                    event.seq,
                    "merged",
                    same.id,
                    p_keep,
                    p_update,
                    sim if same is best else 0.0,
                    type_,
                )
            )
        target, tsim = best, sim
        if self.allow_updates and type_ in UPDATES and p_update >= cfg.update_threshold:
            allowed = UPDATES[type_]
            target, tsim, refused = self._allowed(
                about_key, about_words, lambda s: s.type in allowed, event.source
            )
        if (
            self.allow_updates
            and target is not None
            and type_ in UPDATES
            and p_update >= cfg.update_threshold
            and tsim >= cfg.match_threshold
            and target.type not in OPEN_TYPES
        ):
            verdict = self.policy.judge(target.current.source, event.source, target.type)
            best, sim = target, tsim
            self._replace(best, _flagged(version, verdict), "updated", text_vec, analysis)
            best.confidence = float(p.max())
            best.utility = max(best.utility, utility)
            return self._decide(
                Decision(
                    event.seq,
                    "updated",
                    best.id,
                    p_keep,
                    p_update,
                    sim,
                    type_,
                    via,
                    refused,
                    verdict.cross_source,
                    verdict.constraint,
                )
            )

        # A change that points at an earlier event as naming its subject ("they bumped it
        # to 8" after "any news on the Harbor deposit?") opens a slot about that thread: the
        # event is its subject, rendered next to the value and matched with it at read time.
        thread = None
        if (
            via != event.seq
            and p_update >= cfg.thread_threshold
            and type_ in (*UPDATES, "resolution")
        ):
            thread = named.version
            analysis = analyse(f"{thread.text} {event.text}")
        slot = Slot(
            id=self.next_id,
            type=type_,
            key=key,
            text_vec=text_vec,
            current=version,
            first_seen=event.seq,
            last_seen=event.seq,
            confidence=float(p.max()),
            utility=utility,
            status="open" if type_ in OPEN_TYPES else "active",
            opened=version,
            opened_words=analysis.words,
            thread=thread,
            _analysis=analysis,
        )
        self.slots[slot.id] = slot
        self._set_key(slot)
        self._index_words(slot)
        self._index_statement(slot)
        self.next_id += 1
        if len(self.slots) > cfg.max_slots:
            self._evict(event.seq)
        return self._decide(
            Decision(
                event.seq,
                "new",
                slot.id,
                p_keep,
                p_update,
                sim,
                type_,
                thread and thread.seq,
                refused,
            )
        )

    def _replace(
        self, slot: Slot, new: Version, reason: str, text_vec: np.ndarray, analysis: Analysis
    ) -> None:
        """`new` supersedes `slot`'s value (`reason`: updated | resolved), with the slot's
        key row, word index and statement index kept in step."""
        self._unindex_statement(slot)
        slot.supersede(new, reason, text_vec, analysis)
        self._set_key(slot)
        self._index_words(slot)
        self._index_statement(slot)

    def _named_by(self, attribution: Attribution | None) -> Recent:
        """The event that named what the current one is about: itself (last in `_recent`)
        when it names it or has no attribution, else the earlier recent event whose key is
        nearest its attribution vector."""
        names = attribution is None or attribution.names_logit >= self.config.names_threshold
        if names or len(self._recent) == 1:
            return self._recent[-1]
        earlier = list(self._recent)[:-1]
        scores = [float(attribution.query @ r.key) for r in earlier]
        return earlier[int(np.argmax(scores))]

    def _allowed(
        self,
        key: np.ndarray,
        ev_words: frozenset[str],
        eligible: Callable[[Slot], bool],
        source: str,
    ) -> tuple[Slot | None, float, int | None]:
        """For a change from `source`: the best eligible slot (`_nearest`, wide) the policy
        lets it supersede, its score, and the better-matching slot the policy refused (when
        the best eligible slot matched well enough to land but is not `source`'s to change;
        else None)."""
        best, sim = self._nearest(key, ev_words, eligible, wide=True)
        may = self.policy.may_supersede
        if best is None or may(best.current.source, source):
            return best, sim, None
        refused = best.id if sim >= self.config.match_threshold else None
        best, sim = self._nearest(
            key, ev_words, lambda s: eligible(s) and may(s.current.source, source), wide=True
        )
        return best, sim, refused

    def _restated(
        self, best: Slot | None, statement: str, names_own: bool, source: str | None
    ) -> Slot | None:
        """The live slot an event saying `statement` restates: the nearest slot when its
        current text is the same statement; else, for a statement that stands alone
        (`stands_alone`), the newest live slot whose current text, naming no thread, is that
        statement, when the event names its own subject or that text is its own source's (a
        source saying the same long line again is a restatement whatever thread the heads
        see: a flood collapses into one slot even when other lines come between copies);
        else None."""
        if best is not None and statement_key(best.current.text) == statement:
            return best
        if not stands_alone(statement):
            return None
        ids = self._statement_index().get(statement)
        if not ids:
            return None
        same = max((self.slots[i] for i in ids), key=lambda s: (s.current.seq, s.id))
        if names_own or (source is not None and same.current.source == source):
            return same
        return None

    def _statement_index(self) -> dict[str, set[int]]:
        if self._statements is None:
            self._statements = {}
            for slot in self.slots.values():
                self._index_statement(slot)
        return self._statements

    def _index_statement(self, slot: Slot) -> None:
        if self._statements is None or slot.thread is not None:
            return
        key = statement_key(slot.current.text)
        if stands_alone(key):
            self._statements.setdefault(key, set()).add(slot.id)

    def _unindex_statement(self, slot: Slot) -> None:
        if self._statements is None:
            return
        key = statement_key(slot.current.text)
        ids = self._statements.get(key)
        if ids is not None:
            ids.discard(slot.id)
            if not ids:
                del self._statements[key]

    def _decide(self, decision: Decision) -> Decision:
        self.last_decision = decision
        return decision

    def _nearest(
        self,
        key: np.ndarray,
        ev_words: frozenset[str],
        eligible: Callable[[Slot], bool],
        wide: bool = False,
    ) -> tuple[Slot | None, float]:
        """The eligible slot with the best match score (key cosine + `lex_weight` times the
        IDF share of `ev_words` the slot's about-words hold) among the `candidates` nearest
        by key — and, with `wide` (updates and resolutions, whose target may be far in key
        space when the key misjudges an unseen name), every slot holding one of the
        `RARE_WORDS` rarest of `ev_words`; (None, -1) if none."""
        if not self._rows:
            return None, -1.0
        sims = self._keys[: len(self._rows)] @ key
        k = min(len(sims), self.config.candidates)
        rows: list[int] = []
        for row in _nearest_first(sims, 4 * k):  # stop after k eligible
            if eligible(self.slots[self._rows[int(row)]]):
                rows.append(int(row))
                if len(rows) >= k:
                    break
        if wide and self.config.lex_weight:
            rare = sorted(
                (w for w in ev_words if w in self._by_word),
                key=lambda w: (-self.lexicon.idf(w), w),
            )[:RARE_WORDS]
            extra = sorted({sid for w in rare for sid in self._by_word[w]})
            have = set(rows)
            rows += [
                r
                for sid in extra
                if (r := self._row_of[sid]) not in have and eligible(self.slots[sid])
            ]
        best, best_score = None, -np.inf
        for row in rows:
            slot = self.slots[self._rows[row]]
            score = float(sims[row])
            if self.config.lex_weight:
                score += self.config.lex_weight * self.lexicon.overlap(ev_words, slot.about_words)
            if score > best_score:  # ties: the first candidate (nearest by key) wins
                best, best_score = slot, score
        return (best, best_score) if best is not None else (None, -1.0)

    def _index_words(self, slot: Slot) -> None:
        """Index the slot under its about-words (earlier versions' words stay indexed)."""
        mine = self._indexed.setdefault(slot.id, set())
        for w in slot.about_words - mine:
            self._by_word.setdefault(w, set()).add(slot.id)
            mine.add(w)

    def _set_key(self, slot: Slot) -> None:
        """Insert or refresh a slot's row in the key matrix (and trim its history)."""
        del slot.history[: -self.config.max_history]
        if self._keys.shape[1] != slot.key.shape[0]:
            self._keys = np.zeros((64, slot.key.shape[0]), dtype=np.float32)
        row = self._row_of.get(slot.id)
        if row is None:
            row = self._row_of[slot.id] = len(self._rows)
            self._rows.append(slot.id)
            if row >= self._keys.shape[0]:
                grown = np.zeros((2 * self._keys.shape[0], self._keys.shape[1]), dtype=np.float32)
                grown[:row] = self._keys[:row]
                self._keys = grown
        self._keys[row] = slot.key

    def rank(self, slot: Slot, now: int) -> float:
        """Usefulness for eviction and default ordering: utility, decayed by disuse."""
        age = max(0, now - slot.last_seen)
        pinned = 1.0 if slot.type == "constraint" or slot.status == "open" else 0.0
        return pinned + slot.utility * 0.5 ** (age / self.config.recency_half_life)

    def _evict(self, now: int) -> None:
        victim = min(self.slots.values(), key=lambda s: (self.rank(s, now), s.last_seen))
        self.remove(victim.id)

    def slots_about(self, word: str) -> set[int]:
        """The live slots indexed under `word` (their about-words, past versions' included)."""
        return set(self._by_word.get(word, ()))

    def remove(self, slot_id: int) -> None:
        """Forget slot `slot_id` entirely: the slot, its key row and its word indexes
        (eviction, and re-grounding dropping a slot the log does not back)."""
        victim = self.slots[slot_id]
        self._unindex_statement(victim)
        del self.slots[victim.id]
        for w in self._indexed.pop(victim.id, ()):
            ids = self._by_word.get(w)
            if ids is not None:
                ids.discard(victim.id)
                if not ids:
                    del self._by_word[w]
        row = self._row_of.pop(victim.id)
        last = len(self._rows) - 1
        self._keys[row] = self._keys[last]  # move the last row into the hole
        self._rows[row] = self._rows[last]
        self._rows.pop()
        if row != last:
            self._row_of[self._rows[row]] = row


def _flagged(version: Version, verdict: Verdict) -> Version:
    """`version` with the flags the policy set on the replacement it makes."""
    if not verdict.flagged:
        return version
    return replace(
        version, cross_source=verdict.cross_source, supersedes_constraint=verdict.constraint
    )


def _nearest_first(sims: np.ndarray, m: int) -> Iterator[int]:
    """Row indices by decreasing similarity, ties by row: the order of a stable full sort.
    Only the first `m` rows (and any tied with the m-th) are sorted up front; the rest are
    sorted only if the caller reads past them."""
    if m >= len(sims):
        yield from np.argsort(-sims, kind="stable").tolist()
        return
    cut = sims[np.argpartition(-sims, m - 1)[:m]].min()
    top = np.flatnonzero(sims >= cut)  # row order; a stable sort keeps it among ties
    yield from top[np.argsort(-sims[top], kind="stable")].tolist()
    rest = np.flatnonzero(sims < cut)
    yield from rest[np.argsort(-sims[rest], kind="stable")].tolist()
