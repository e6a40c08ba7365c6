"""`rag-lme`: the retrieval the LongMemEval paper (Wu et al., ICLR 2025, §5) found best for
chat histories, built from the same parts as `rag` (BM25 + MiniLM, reciprocal-rank fusion) so
"the hybrid beats RAG" is measured against a strong retriever, not a weak one.

What differs from `rag`:
- **Passages.** Every event is indexed on its own (no multi-event chunks), and an event longer
  than `passage_tokens` is split at sentence ends into passages of at most that many tokens.
  A retrieved passage is shown as a line of its event with a `…` where text was left out
  (`Line.cut` "head" / "tail" / "part"), so a long assistant turn does not spend the budget
  on its other paragraphs (`value` "event" shows the whole event when it fits instead).
  Keys are the event's own words (no `[#seq]` label or date), so the same turn embeds the
  same in every stream.
- **Session-level keys.** Events are grouped into sessions (`meta["session_id"]` where the
  stream has one, else a new session after `session_gap_s` without events, else every
  `session_events` events). A session is ranked by the cosine of the query with the mean of its
  passages' vectors and by BM25 over its whole text; each passage also gets its session's
  two ranks in the fusion, so a passage in the conversation the question is about rises.
- **Time-aware query expansion.** A question that names a time ("two weeks ago", "last month",
  "in March") ranks the sessions dated inside that window (`ssmem.text.timeref`, relative to
  the latest event time seen) first, as one more fused list.
- Packing is `rag`'s: `window_share` of the budget for the most recent events, retrieved
  lines after it in rank order, shown in stream order before the window.

No LLM call anywhere; the fact-augmented keys of the paper need one per write and are not
used.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace

import numpy as np

from ssmem import statefile
from ssmem.context import Context, Line, make_context, render_line
from ssmem.encoders.minilm import UsesEncoder
from ssmem.events import Event
from ssmem.systems.base import Stats, check_budget
from ssmem.systems.window import WindowConfig, WindowMemory
from ssmem.text.timeref import time_window
from ssmem.tokens import TokenCounter, default_counter

STATE_KIND = "ssmem.rag-lme-memory/1"
MAX_HITS = 400  # ranked passages considered for one context
SENTENCE_END = re.compile(r"(?<=[.!?:])\s+|\n+")


@dataclass
class RAGLMEConfig:
    passage_tokens: int = 128
    top_k: int = 200  # candidates taken from each passage ranker before fusion
    rrf_k: int = 60
    window_share: float = 0.2
    session_gap_s: float = 3600.0
    session_events: int = 64  # without ids or times: a new session every this many events
    session_keys: bool = True  # fuse the sessions' ranks into their passages' (ablation: off)
    time_aware: bool = True  # rank the sessions inside a question's time window first
    # what a hit shows: "passage" (the matching passage alone) or "event" (the whole event
    # its best passage is from, or that passage when the event does not fit); on the
    # LongMemEval fit split "event" was no better (experiments/lme_retrieval_variants.py)
    value: str = "passage"


@dataclass(frozen=True)
class _Passage:
    seq: int
    text: str
    cut: str | None  # None: the whole event; else the side(s) text was left out on
    tokens: int
    session: int


class RAGLMEMemory(UsesEncoder):
    """Passage retrieval with session keys and time-aware expansion (see the module doc)."""

    name = "rag-lme"

    def __init__(
        self,
        counter: TokenCounter | None = None,
        config: RAGLMEConfig | None = None,
        encoder=None,
    ) -> None:
        self.counter = counter or default_counter()
        self.config = config or RAGLMEConfig()
        self._encoder = encoder
        self._window = WindowMemory(self.counter, WindowConfig(max_events=4096))
        self._passages: list[_Passage] = []
        self._events: dict[int, Event] = {}
        self._sessions: list[list[int]] = []  # passage ids per session
        self._session_ts: list[float | None] = []
        self._session_key: str | None = None
        self._last_ts: float | None = None
        self._now: float | None = None  # latest event time seen
        self._vecs = np.zeros((0, 384), dtype=np.float32)
        self._bm25 = None
        self._bm25_sessions = None
        self._indexed = 0

    # -- ingest -----------------------------------------------------------------------------
    def ingest(self, events: Iterable[Event]) -> None:
        start = len(self._passages)
        for ev in events:
            self._window.ingest([ev])
            self._events[ev.seq] = ev
            session = self._session_of(ev)
            for text, cut in self._split(ev.text):
                pid = len(self._passages)
                n = self.counter.count(text)
                self._passages.append(_Passage(ev.seq, text, cut, n, session))
                self._sessions[session].append(pid)
            if ev.ts is not None:
                self._now = ev.ts if self._now is None else max(self._now, ev.ts)
        new = [p.text for p in self._passages[start:]]
        if new:
            self._vecs = np.concatenate([self._vecs, self.encoder.encode(new)])

    def _session_of(self, ev: Event) -> int:
        sid = ev.meta.get("session_id") if isinstance(ev.meta, dict) else None
        if sid is not None:
            fresh = str(sid) != self._session_key
            self._session_key = str(sid)
        else:
            gap = (
                ev.ts is not None
                and self._last_ts is not None
                and ev.ts - self._last_ts > self.config.session_gap_s
            )
            full = bool(self._sessions) and self._session_events() >= self.config.session_events
            fresh = not self._sessions or gap or full
        if ev.ts is not None:
            self._last_ts = ev.ts
        if fresh:
            self._sessions.append([])
            self._session_ts.append(ev.ts)
        return len(self._sessions) - 1

    def _session_events(self) -> int:
        return len({self._passages[p].seq for p in self._sessions[-1]})

    def _split(self, text: str) -> list[tuple[str, str | None]]:
        """The event's passages, each with the side(s) its text continues on."""
        limit = self.config.passage_tokens
        if self.counter.count(text) <= limit:
            return [(text, None)]
        parts: list[str] = []
        current = ""
        for sentence in (s for s in SENTENCE_END.split(text) if s.strip()):
            for piece in self._pieces(sentence, limit):
                joined = f"{current} {piece}".strip()
                if current and self.counter.count(joined) > limit:
                    parts.append(current)
                    current = piece
                else:
                    current = joined
        if current:
            parts.append(current)
        last = len(parts) - 1
        return [
            (p, "head" if i == 0 else "tail" if i == last else "part") for i, p in enumerate(parts)
        ]

    def _pieces(self, sentence: str, limit: int) -> list[str]:
        """A sentence longer than `limit` tokens cut into word runs that fit."""
        if self.counter.count(sentence) <= limit:
            return [sentence]
        words, out, run = sentence.split(), [], []
        for w in words:
            run.append(w)
            if len(run) >= limit // 2:  # a word is at most ~2 tokens in running text
                out.append(" ".join(run))
                run = []
        if run:
            out.append(" ".join(run))
        return out

    # -- ranking ----------------------------------------------------------------------------
    def _index(self) -> None:
        import bm25s

        if self._indexed == len(self._passages):
            return
        tok = {"stopwords": "en", "return_ids": False, "show_progress": False}
        self._bm25 = bm25s.BM25()
        self._bm25.index(
            bm25s.tokenize([p.text for p in self._passages], **tok), show_progress=False
        )
        texts = [" ".join(self._passages[p].text for p in s) for s in self._sessions]
        self._bm25_sessions = bm25s.BM25()
        self._bm25_sessions.index(bm25s.tokenize(texts, **tok), show_progress=False)
        self._indexed = len(self._passages)

    @staticmethod
    def _bm25_order(index, query: str, n: int, k: int) -> list[int]:
        import bm25s

        q = bm25s.tokenize([query], stopwords="en", return_ids=False, show_progress=False)
        if not q or not q[0] or n == 0:
            return []
        docs, scores = index.retrieve(q, k=min(k, n), show_progress=False)
        return [int(d) for d, s in zip(docs[0], scores[0], strict=True) if s > 0]

    def rank(self, query: str) -> list[int]:
        """Passage ids, best first (reciprocal-rank fusion of the lists in the module doc)."""
        if not self._passages:
            return []
        self._index()
        cfg = self.config
        qv = self.encoder.encode([query])[0]
        sims = self._vecs @ qv
        k = min(cfg.top_k, len(sims))
        dense = sorted(np.argpartition(-sims, k - 1)[:k].tolist(), key=lambda i: (-sims[i], -i))
        lexical = self._bm25_order(self._bm25, query, len(self._passages), cfg.top_k)
        centroids = np.stack([self._vecs[s].mean(axis=0) for s in self._sessions])
        centroids /= np.maximum(np.linalg.norm(centroids, axis=1, keepdims=True), 1e-9)
        s_sims = centroids @ qv
        s_dense = sorted(range(len(self._sessions)), key=lambda s: (-s_sims[s], -s))
        s_lexical = self._bm25_order(self._bm25_sessions, query, len(self._sessions), 1 << 30)
        session_lists = [s_dense, s_lexical] if cfg.session_keys else []
        window = time_window(query, self._now) if cfg.time_aware else None
        if window is not None:
            lo, hi = window
            inside = [
                s for s in s_dense if (t := self._session_ts[s]) is not None and lo <= t <= hi
            ]
            session_lists.append(inside)
        score = np.zeros(len(self._passages))
        for order in (dense, lexical):
            for r, pid in enumerate(order):
                score[pid] += 1.0 / (cfg.rrf_k + r + 1)
        session_of = np.array([p.session for p in self._passages])
        for order in session_lists:
            s_score = np.zeros(len(self._sessions))
            for r, s in enumerate(order):
                s_score[s] = 1.0 / (cfg.rrf_k + r + 1)
            score += s_score[session_of]
        return sorted(range(len(score)), key=lambda i: (-score[i], -i))

    def hits(self, query: str) -> list[tuple[Line, ...]]:
        """The first `MAX_HITS` ranked passages, best first, each a block of one line (the hybrid
        merges them with memory)."""
        return [(self._line(p),) for p in self.rank(query)[:MAX_HITS]]

    # -- context ----------------------------------------------------------------------------
    def context(self, query: str, budget: int) -> Context:
        check_budget(budget)
        window = self._window.window_lines(int(budget * self.config.window_share))
        covered = {line.seq for line in window.lines if line.cut is None}  # a cut one is partial
        room = budget - window.tokens - (1 if window.lines else 0)
        lines = self.retrieve(query, room, covered)
        return make_context(self.name, budget, self.counter, [*lines, *window.lines])

    def retrieve(self, query: str, room: int, covered: set[int] | None = None) -> list[Line]:
        """Retrieved lines for `query` within `room` tokens, in stream order; events in
        `covered` are left out. With `value` "event" a hit is its whole event when that fits
        the room left, else its best passage; with "passage", the passage alone."""
        covered = covered or set()
        pids = [p for p in self.rank(query) if self._passages[p].seq not in covered]
        if self.config.value == "event":  # an event ranks by its best passage
            best: dict[int, int] = {}
            for p in pids:
                best.setdefault(self._passages[p].seq, p)
            pids = list(best.values())
        picked: list[tuple[int, Line]] = []
        used = 0
        for p in pids[:MAX_HITS]:
            line = self._line(p)
            options = [line]
            if self.config.value == "event" and line.cut is not None:
                options.insert(0, Line.of_event(self._events[line.seq], "retrieved"))
            for option in options:  # the whole event when it fits, else the passage alone
                n = self.counter.count(render_line(option)) + (1 if picked else 0)
                if used + n <= room:
                    picked.append((p, option))
                    used += n
                    break
            if room - used <= 8:
                break
        return [line for _, line in sorted(picked, key=lambda x: x[0])]  # stream order

    def _line(self, pid: int) -> Line:
        p = self._passages[pid]
        line = Line.of_event(self._events[p.seq], "retrieved")
        return line if p.cut is None else replace(line, text=p.text, cut=p.cut)

    # -- snapshots (`SnapshotableMemory`) -------------------------------------------------
    def export_state(self) -> bytes:
        """Events, passages, sessions, vectors and the recent window as `ssmem.statefile`
        bytes: a restore never embeds again (indexes are rebuilt on the first query)."""
        events = sorted(self._events.values(), key=lambda e: e.seq)
        sid = [
            e.meta.get("session_id") if isinstance(e.meta, dict) else None for e in events
        ]  # kept so a restored system continues the same session
        meta = {
            "config": asdict(self.config),
            "encoder": self.encoder_name,
            "event": [[e.seq, e.text, e.source, e.ts] for e in events],
            "session_id": sid,
            "passage_text": [p.text for p in self._passages],
            "passage_cut": [p.cut for p in self._passages],
            "session_ts": self._session_ts,
            "session_key": self._session_key,
            "last_ts": self._last_ts,
            "now": self._now,
        }
        arrays = {
            "passage": np.array(
                [[p.seq, p.tokens, p.session] for p in self._passages], dtype=np.int64
            ).reshape(-1, 3),
            "vecs": self._vecs,
            "window": np.frombuffer(self._window.export_state(), dtype=np.uint8),
        }
        return statefile.pack(STATE_KIND, meta, arrays)

    def import_state(self, data: bytes) -> None:
        """Restore what `export_state` wrote into this fresh system (`ValueError` otherwise)."""
        meta, arrays = statefile.unpack(data, STATE_KIND)
        if self._events:
            raise ValueError("rag-lme state can only be imported into a fresh system")
        try:
            if meta["config"] != asdict(self.config):
                raise ValueError("rag-lme state was written with other settings")
            if meta["encoder"] != self.encoder_name:
                raise ValueError("rag-lme state was written with another encoder")
            rows, vecs = arrays["passage"].tolist(), arrays["vecs"]
            texts, cuts = meta["passage_text"], meta["passage_cut"]
            if not len(rows) == len(texts) == len(cuts) == len(vecs):
                raise ValueError("rag-lme state's passage columns disagree in length")
            events = {}
            for (seq, text, source, ts), sid in zip(meta["event"], meta["session_id"], strict=True):
                extra = {} if sid is None else {"meta": {"session_id": sid}}
                events[int(seq)] = Event(seq=int(seq), text=text, source=source, ts=ts, **extra)
            passages = [
                _Passage(int(seq), text, cut, int(n), int(session))
                for (seq, n, session), text, cut in zip(rows, texts, cuts, strict=True)
            ]
            sessions: list[list[int]] = [[] for _ in meta["session_ts"]]
            for pid, p in enumerate(passages):
                if p.seq not in events or p.cut not in (None, "head", "tail", "part"):
                    raise ValueError("rag-lme state's passages do not match its events")
                sessions[p.session].append(pid)
            self._window.import_state(arrays["window"].tobytes())
        except (KeyError, TypeError, IndexError) as err:
            raise ValueError(f"unreadable rag-lme state: {type(err).__name__} {err}") from None
        self._events, self._passages, self._sessions = events, passages, sessions
        self._session_ts = list(meta["session_ts"])
        self._session_key, self._last_ts, self._now = (
            meta["session_key"],
            meta["last_ts"],
            meta["now"],
        )
        self._vecs = np.asarray(vecs, dtype=np.float32).reshape(-1, 384)

    def stats(self) -> Stats:
        text = sum(len(p.text) for p in self._passages)
        return Stats(events=len(self._events), state_bytes=int(self._vecs.nbytes + text))
