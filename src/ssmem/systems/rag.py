"""RAG baseline: hybrid BM25 + dense retrieval over event-boundary chunks, plus a small
recent window.

- Chunks: consecutive events up to `chunk_tokens` / `chunk_events`; an event is never split.
  The open (not yet full) chunk is closed when a query arrives, so nothing ingested is
  invisible to retrieval.
- Ranking: BM25 (`bm25s`) and cosine similarity of MiniLM vectors, each giving its top
  `top_k`, fused by reciprocal rank (RRF, k=60); ties go to the more recent chunk.
- Index maintenance: the chunks closed by an `ingest` call are embedded at its end, in one
  batch (the open chunk waits for the next call or query); the BM25 index is
  rebuilt lazily at query time when chunks were added since the last rebuild (cost grows with
  the stream; measured by the benchmark's `query_s`).
- Packing: `window_share` of the budget holds the most recent events (as the window system
  does); retrieved chunks fill the rest in rank order, lines already in the window are
  dropped, and chunks are emitted in stream order as "retrieved" segments before the window.
  A chunk larger than the room left contributes its lines that share most words with the
  query and fit.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

import numpy as np

from ssmem import statefile
from ssmem.context import Context, Line, make_context, pack, render_line, render_lines
from ssmem.encoders.minilm import UsesEncoder
from ssmem.events import Event
from ssmem.systems.base import Stats, check_budget
from ssmem.systems.window import WindowConfig, WindowMemory
from ssmem.tokens import TokenCounter, default_counter

Block = tuple[Line, ...]  # the lines of one retrieved chunk, taken whole
STATE_KIND = "ssmem.rag-memory/1"


@dataclass
class RAGConfig:
    chunk_tokens: int = 64
    chunk_events: int = 8
    top_k: int = 50  # candidates taken from each ranker before fusion
    rrf_k: int = 60  # the constant of reciprocal-rank fusion (Cormack et al. 2009)
    window_share: float = 0.2  # of the budget, for the most recent events
    dense: bool = True


@dataclass
class _Chunk:
    """Consecutive events as retrieved lines, with each line's token count."""

    lines: list[Line] = field(default_factory=list)
    tokens: list[int] = field(default_factory=list)

    @property
    def text(self) -> str:
        """What the rankers index: the lines as the reader would see them."""
        return render_lines(self.lines)

    def used(self) -> int:
        return sum(self.tokens) + len(self.tokens)


class RAGMemory(UsesEncoder):
    """Hybrid retrieval memory. `encoder` defaults to the process-wide MiniLM encoder."""

    name = "rag"

    def __init__(
        self,
        counter: TokenCounter | None = None,
        config: RAGConfig | None = None,
        encoder=None,
    ) -> None:
        self.counter = counter or default_counter()
        self.config = config or RAGConfig()
        self._encoder = encoder
        self._window = WindowMemory(self.counter, WindowConfig(max_events=4096))
        self._chunks: list[_Chunk] = []
        self._open = _Chunk()
        self._tokens: list[list[str]] = []  # BM25 tokens per chunk
        self._vecs: list[np.ndarray] = []  # one (n, dim) block per embedding batch
        self._embedded = 0
        self._bm25 = None
        self._bm25_n = 0
        self._seen = 0

    # -- ingest -----------------------------------------------------------------------------
    def ingest(self, events: Iterable[Event]) -> None:
        for ev in events:
            self._window.ingest([ev])
            line = Line.of_event(ev, "retrieved")
            n = self.counter.count(render_line(line))
            if self._open.lines and (
                self._open.used() + n > self.config.chunk_tokens
                or len(self._open.lines) >= self.config.chunk_events
            ):
                self._close()
            self._open.lines.append(line)
            self._open.tokens.append(n)
            self._seen += 1
        if self.config.dense:
            self._embed()  # closed chunks, batched per ingest call: the cost shows in ingest

    def _close(self) -> None:
        if not self._open.lines:
            return
        import bm25s

        chunk, self._open = self._open, _Chunk()
        self._chunks.append(chunk)
        self._tokens.extend(
            bm25s.tokenize([chunk.text], stopwords="en", return_ids=False, show_progress=False)
        )

    def _embed(self) -> None:
        todo = [c.text for c in self._chunks[self._embedded :]]
        if todo:
            self._vecs.append(self.encoder.encode(todo))
            self._embedded = len(self._chunks)

    def event_text(self, seq: int) -> str | None:
        """The event's own text, without its ``[#seq] source:`` label (None if not held)."""
        i = bisect.bisect_right(self._chunks, seq, key=lambda c: c.lines[0].seq) - 1  # seqs rise
        blocks = [self._open] if i < 0 else [self._chunks[i], self._open]
        for chunk in blocks:
            for line in chunk.lines:
                if line.seq == seq:
                    return line.text
        return None

    # -- retrieval --------------------------------------------------------------------------
    def _bm25_ranks(self, query: str) -> list[int]:
        import bm25s

        if self._bm25 is None or self._bm25_n != len(self._chunks):
            self._bm25 = bm25s.BM25()
            self._bm25.index(self._tokens, show_progress=False)
            self._bm25_n = len(self._chunks)
        q = bm25s.tokenize([query], stopwords="en", return_ids=False, show_progress=False)
        if not q or not q[0]:
            return []
        k = min(self.config.top_k, len(self._chunks))
        docs, scores = self._bm25.retrieve(q, k=k, show_progress=False)
        return [int(d) for d, s in zip(docs[0], scores[0], strict=True) if s > 0]

    def _dense_ranks(self, query: str) -> list[int]:
        if not self.config.dense:
            return []
        self._embed()
        mat = np.concatenate(self._vecs) if len(self._vecs) > 1 else self._vecs[0]
        self._vecs = [mat]
        sims = mat @ self.encoder.encode([query])[0]
        k = min(self.config.top_k, len(sims))
        top = np.argpartition(-sims, k - 1)[:k]
        return sorted(top.tolist(), key=lambda i: (-sims[i], -i))

    def rank(self, query: str) -> list[int]:
        """Chunk ids, best first: RRF over BM25 and dense ranks, recency breaking ties."""
        self._close()
        if not self._chunks:
            return []
        score: dict[int, float] = {}
        for ranks in (self._bm25_ranks(query), self._dense_ranks(query)):
            for r, cid in enumerate(ranks):
                score[cid] = score.get(cid, 0.0) + 1.0 / (self.config.rrf_k + r + 1)
        return sorted(score, key=lambda c: (-score[c], -c))

    def hits(self, query: str) -> list[Block]:
        """Every ranked chunk's lines, best first (the hybrid merges them with memory)."""
        return [tuple(self._chunks[cid].lines) for cid in self.rank(query)]

    def context(self, query: str, budget: int) -> Context:
        check_budget(budget)
        window = self._window.window_lines(int(budget * self.config.window_share))
        covered = {line.seq for line in window.lines}
        room = budget - window.tokens - (1 if window.lines else 0)
        retrieved = [line for block in self.retrieve(query, room, covered) for line in block]
        return make_context(self.name, budget, self.counter, [*retrieved, *window.lines])

    def retrieve(self, query: str, room: int, covered: set[int] | None = None) -> list[Block]:
        """Chunks for `query` within `room` tokens (a newline before each counted), in stream
        order; lines of events in `covered` are left out. A chunk larger than the room left
        contributes its lines that share most words with the query and fit."""
        covered = covered or set()
        picked: list[Block] = []
        for cid in self.rank(query):
            chunk = self._chunks[cid]
            lines = [
                x for x in zip(chunk.lines, chunk.tokens, strict=True) if x[0].seq not in covered
            ]
            if not lines:
                continue
            if sum(n + 1 for _, n in lines) > room:
                block = self.best_lines(query, [line for line, _ in lines], room)
            else:
                block = tuple(line for line, _ in lines)
            n = self.counter.count(render_lines(block))
            if block and n + 1 <= room:
                picked.append(block)
                room -= n + 1
            if room <= 8:
                break
        return sorted(picked, key=lambda b: b[0].seq)

    def best_lines(self, query: str, lines: list[Line], room: int) -> Block:
        """The lines sharing most words with the query that fit `room` (a newline before
        each counted), in stream order."""
        words = set(re.findall(r"\w+", query.lower()))

        def overlap(line: Line) -> int:
            return len(words & set(re.findall(r"\w+", render_line(line).lower())))

        ranked = sorted(lines, key=lambda line: -overlap(line))
        kept = pack(ranked, room - 1, self.counter, on_miss="skip").lines
        return tuple(sorted(kept, key=lambda line: line.seq))

    # -- snapshots (`SnapshotableMemory`) -------------------------------------------------
    def export_state(self) -> bytes:
        """Chunks (lines and token counts), BM25 tokens, the embedded vectors and the recent
        window as `ssmem.statefile` bytes: a restore never embeds or tokenizes again."""
        chunks = [*self._chunks, self._open]  # the open chunk last
        lines = [line for c in chunks for line in c.lines]
        arrays = {
            "chunk.size": np.array([len(c.lines) for c in chunks], dtype=np.int64),
            "line.seq": np.array([line.seq for line in lines], dtype=np.int64),
            "line.tokens": np.array([n for c in chunks for n in c.tokens], dtype=np.int64),
            "window": np.frombuffer(self._window.export_state(), dtype=np.uint8),
        }
        if self._vecs:
            arrays["vecs"] = np.concatenate(self._vecs)
        meta = {
            "config": asdict(self.config),
            "encoder": self._encoder_name(),
            "text": [line.text for line in lines],
            "source": [line.source for line in lines],
            "ts": [line.ts for line in lines],
            "bm25": self._tokens,
            "embedded": self._embedded,
            "seen": self._seen,
        }
        return statefile.pack(STATE_KIND, meta, arrays)

    def import_state(self, data: bytes) -> None:
        """Restore what `export_state` wrote into this fresh system (`ValueError` otherwise)."""
        meta, arrays = statefile.unpack(data, STATE_KIND)
        if self._seen or self._chunks:
            raise ValueError("rag state can only be imported into a fresh system")
        try:
            if meta["config"] != asdict(self.config):
                raise ValueError("rag state was written with other settings")
            if meta["encoder"] != self._encoder_name():
                raise ValueError("rag state was written with another encoder")
            seqs, counts = arrays["line.seq"].tolist(), arrays["line.tokens"].tolist()
            texts, sources, stamps = meta["text"], meta["source"], meta["ts"]
            if not len(seqs) == len(counts) == len(texts) == len(sources) == len(stamps):
                raise ValueError("rag state's line columns disagree in length")
            chunks, i = [], 0
            for size in arrays["chunk.size"].tolist():
                chunk = _Chunk()
                for j in range(i, i + size):
                    chunk.lines.append(
                        Line("retrieved", (seqs[j],), texts[j], sources[j], stamps[j])
                    )
                    chunk.tokens.append(int(counts[j]))
                chunks.append(chunk)
                i += size
            if not chunks or i != len(seqs) or len(meta["bm25"]) != len(chunks) - 1:
                raise ValueError("rag state's chunks do not add up")
            vecs = arrays.get("vecs")
            embedded = int(meta["embedded"])
            if embedded != (0 if vecs is None else len(vecs)) or embedded > len(chunks) - 1:
                raise ValueError("rag state's vectors do not match its chunks")
            self._window.import_state(arrays["window"].tobytes())
        except (KeyError, TypeError, IndexError) as err:
            raise ValueError(f"unreadable rag state: {type(err).__name__} {err}") from None
        self._chunks, self._open = chunks[:-1], chunks[-1]
        self._tokens = [list(t) for t in meta["bm25"]]
        self._vecs = [vecs] if vecs is not None else []
        self._embedded, self._seen = embedded, int(meta["seen"])

    def _encoder_name(self) -> str | None:
        """Which encoder made the vectors (None without dense retrieval); loads nothing."""
        return self.encoder_name if self.config.dense else None

    def stats(self) -> Stats:
        text_bytes = sum(len(c.text.encode()) for c in self._chunks)
        vec_bytes = sum(v.nbytes for v in self._vecs)
        tok_bytes = sum(len(t) for toks in self._tokens for t in toks)
        offsets = 8 * sum(len(c.lines) for c in self._chunks)
        return Stats(events=self._seen, state_bytes=text_bytes + vec_bytes + tok_bytes + offsets)
