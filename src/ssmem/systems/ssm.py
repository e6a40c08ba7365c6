"""The `ssm` memory system: recent raw window + memory materialized from the SSM's decisions.

Ingest runs the featurizer and the network over new events in chunks (bulk) with the SSM
state carried across calls, so ingesting event by event gives the same memory as ingesting
all at once. No LLM call is made on write; per-event cost does not depend on history.
`context` spends the budget on the window share first, then the memory (ranked for the
query), and gives the window any budget the memory leaves unused.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import torch

from ssmem import statefile
from ssmem.compressor.checkpoint import load_checkpoint, read_config
from ssmem.compressor.policy import SupersedePolicy
from ssmem.compressor.read.consistency import Conflict, conflicts
from ssmem.compressor.read.marking import marker, superseded_map
from ssmem.compressor.read.memory_view import MemoryView, Reading
from ssmem.compressor.read.table import SlotTable
from ssmem.compressor.store.episodic import Episodic, EpisodicConfig
from ssmem.compressor.store.slots import Slot, Version
from ssmem.compressor.write.features import EMBED_DIM, TokenStats, default_featurizer
from ssmem.compressor.write.materializer import Attribution, Materializer, MaterializerConfig
from ssmem.compressor.write.model import CompressorNet
from ssmem.compressor.write.state_codec import (
    decode_docfreq,
    decode_episodic,
    decode_materializer,
    encode_docfreq,
    encode_episodic,
    encode_materializer,
    json_default,
    json_hook,
)
from ssmem.context import Context, ContextInfo, make_context, render_line
from ssmem.events import Event
from ssmem.ssm.state import SSMState
from ssmem.systems.base import Stats, check_budget
from ssmem.systems.grounding import Grounding, LogLookup, matches
from ssmem.systems.window import WindowConfig, WindowMemory
from ssmem.text.lexicon import DocFreq
from ssmem.tokens import TokenCounter, default_counter

STATE_KIND = "ssmem.ssm-memory/1"


@dataclass
class SSMSystemConfig:
    chunk_events: int = 256  # events per bulk forward pass
    recent_events: int = 512  # raw events kept for the window (bounded)
    allow_updates: bool = True  # False: "no update head" ablation
    threads: int = 1  # torch intra-op threads (1 is fastest when the machine is shared)
    supersede: SupersedePolicy = field(default_factory=SupersedePolicy)  # who may update what


class SSMMemory:
    """`MemorySystem` backed by the compressor checkpoint (default: the one shipped)."""

    name = "ssm"

    def __init__(
        self,
        counter: TokenCounter | None = None,
        checkpoint: str | Path | None = None,
        config: SSMSystemConfig | None = None,
        episodic: EpisodicConfig | None = None,
        net: CompressorNet | None = None,
    ) -> None:
        self.counter = counter or default_counter()
        self.config = config or SSMSystemConfig()
        if net is None:
            net, mat_cfg, self.meta = load_checkpoint(checkpoint)
        else:  # a net built in code (e.g. the untrained ablation): default thresholds
            mat_cfg, self.meta = MaterializerConfig(), {}
        self.read_config = read_config(self.meta)  # read-side settings, saved with it
        self.net = net.eval()
        self.featurizer = default_featurizer()
        self.token_stats = TokenStats()  # the stream's token frequencies (IDF features)
        self.materializer = Materializer(
            mat_cfg, allow_updates=self.config.allow_updates, policy=self.config.supersede
        )
        self.episodic = Episodic(episodic)
        self.window = WindowMemory(self.counter, WindowConfig(max_events=self.config.recent_events))
        self.state = self.net.zero_state(1)
        self.events_seen = 0
        self.last_seq: int | None = None
        self._table: SlotTable | None = None
        self._fingerprint: str | None = None

    # -- write path -------------------------------------------------------------------------
    def ingest(self, events: Iterable[Event]) -> None:
        batch = list(events)
        torch.set_num_threads(self.config.threads)
        for i in range(0, len(batch), self.config.chunk_events):
            self._ingest_chunk(batch[i : i + self.config.chunk_events])
        self.window.ingest(batch)

    def _ingest_chunk(self, chunk: list[Event]) -> None:
        if not chunk:
            return
        for ev in chunk:
            if self.last_seq is not None and ev.seq <= self.last_seq:
                raise ValueError(f"seq {ev.seq} does not increase (previous was {self.last_seq})")
            self.last_seq = ev.seq
        x = self.featurizer(chunk, self.token_stats)  # (L, d_in)
        with torch.no_grad():
            heads, self.state = self.net(x.unsqueeze(0), self.state)
        type_logits = heads.type_logits[0].numpy()
        keys = heads.key[0].numpy()
        update = heads.update[0].numpy()
        utility = heads.utility[0].numpy()
        attach, names = heads.attach[0].numpy(), heads.names[0].numpy()
        text_vecs = x[:, :EMBED_DIM].numpy()
        changed: set[int] = set()
        for j, ev in enumerate(chunk):
            d = self.materializer.apply(
                ev,
                type_logits[j],
                keys[j],
                float(update[j]),
                float(utility[j]),
                text_vecs[j],
                Attribution(attach[j], float(names[j])),
            )
            if d.slot is not None and d.action != "merged":
                changed.add(d.slot)
            self.events_seen += 1
            self.episodic.observe(ev.seq, self.materializer.slots, self.latent)
        # A new or changed slot's line is counted now, once, as its text was analysed: every
        # later query packs it by a cache hit instead of tokenizing it on the read path.
        slots = self.materializer.slots
        for sid in changed & slots.keys():
            self.counter.count(render_line(slots[sid].as_line()))

    # -- snapshots (`SnapshotableMemory`) -------------------------------------------------
    def fingerprint(self) -> str:
        """sha256 of the network's weights: a state is only valid for the net that made it."""
        if self._fingerprint is None:
            h = hashlib.sha256()
            for name, tensor in sorted(self.net.state_dict().items()):
                h.update(name.encode())
                h.update(tensor.detach().contiguous().numpy().tobytes())
            self._fingerprint = h.hexdigest()
        return self._fingerprint

    def _policy_dict(self) -> dict[str, object]:
        policy = self.config.supersede
        return {"who": policy.who, "trusted": sorted(policy.trusted)}

    def export_state(self) -> bytes:
        """Everything later ingests and reads depend on, as `ssmem.statefile` bytes: the
        recurrent state, the slots and their indexes, the frequency tables, the episodic
        rings and the recent window; tied to this net's weights and settings."""
        arrays: dict[str, np.ndarray] = {}
        if self.state is not None:
            for i, (conv, ssm) in enumerate(zip(self.state.conv, self.state.ssm, strict=True)):
                arrays[f"state.conv.{i}"] = conv.numpy()
                arrays[f"state.ssm.{i}"] = ssm.numpy()
        meta = {
            "system": self.name,
            "net": self.fingerprint(),
            "recent_events": self.config.recent_events,
            "supersede": self._policy_dict(),
            "layers": self.state.n_layer if self.state is not None else None,
            "events_seen": self.events_seen,
            "last_seq": self.last_seq,
            "materializer": encode_materializer(self.materializer, arrays),
            "token_stats": encode_docfreq(self.token_stats, "token_stats", arrays),
            "episodic": encode_episodic(self.episodic, arrays),
        }
        arrays["window"] = np.frombuffer(self.window.export_state(), dtype=np.uint8)
        return statefile.pack(STATE_KIND, meta, arrays, default=json_default)

    def import_state(self, data: bytes) -> None:
        """Restore what `export_state` wrote into this fresh system; `ValueError` (one line)
        when the bytes are unreadable or were written by another net or other settings."""
        meta, arrays = statefile.unpack(data, STATE_KIND, object_hook=json_hook)
        if self.events_seen or self.materializer.slots:
            raise ValueError("ssm state can only be imported into a fresh system")
        try:
            if meta["system"] != self.name or meta["net"] != self.fingerprint():
                raise ValueError("ssm state was written by another system or checkpoint")
            if meta["recent_events"] != self.config.recent_events:
                raise ValueError("ssm state was written with another recent_events")
            if meta["supersede"] != self._policy_dict():
                raise ValueError("ssm state was written under another supersede policy")
            if meta["layers"] is not None:
                n = int(meta["layers"])
                conv = tuple(torch.from_numpy(arrays[f"state.conv.{i}"]) for i in range(n))
                ssm = tuple(torch.from_numpy(arrays[f"state.ssm.{i}"]) for i in range(n))
                zero = self.state
                if zero is None or [t.shape for t in (*zero.conv, *zero.ssm)] != [
                    t.shape for t in (*conv, *ssm)
                ]:
                    raise ValueError("ssm state tensors do not fit this network")
                self.state = SSMState(conv, ssm)
            decode_materializer(self.materializer, meta["materializer"], arrays)
            decode_docfreq(self.token_stats, meta["token_stats"], "token_stats", arrays)
            decode_episodic(self.episodic, meta["episodic"], arrays)
            self.window.import_state(arrays["window"].tobytes())
            self.events_seen = int(meta["events_seen"])
            self.last_seq = None if meta["last_seq"] is None else int(meta["last_seq"])
        except (KeyError, TypeError, IndexError) as err:
            raise ValueError(f"unreadable ssm state: {type(err).__name__} {err}") from None

    # -- grounding (`GroundableMemory`) and consistency -------------------------------------
    def ground(self, lookup: LogLookup) -> Grounding:
        """Every value a slot quotes (current, superseded, its subject) and the recent window
        checked against the log (`ssmem.systems.grounding`)."""
        report = Grounding()
        slots = self.materializer.slots
        seqs = {v.seq for s in slots.values() for v in _quoted(s)}
        truth = lookup(sorted(seqs))
        for slot in list(slots.values()):
            report.checked += len(_quoted(slot))
            cur = slot.current
            if not matches(cur.text, cur.source, truth.get(cur.seq)):
                self.materializer.remove(slot.id)
                report.dropped += 1
                report.note(f"slot {slot.id}: its value #{cur.seq} is not the log's; dropped")
                continue
            fixed = [_regrounded(v, truth.get(v.seq)) for v in slot.history]
            history = [v for v in fixed if v is not None]
            opened = _regrounded(slot.opened, truth.get(slot.opened.seq)) if slot.opened else None
            thread = _regrounded(slot.thread, truth.get(slot.thread.seq)) if slot.thread else None
            if (history, opened, thread) != (slot.history, slot.opened, slot.thread):
                changed = sum(a != b for a, b in zip(fixed, slot.history, strict=True))
                changed += (opened != slot.opened) + (thread != slot.thread)
                report.repaired += changed
                report.note(f"slot {slot.id}: {changed} quoted value(s) rewritten from the log")
                slot.history, slot.opened, slot.thread = history, opened, thread
                slot._analysis, slot._line = None, None
        report.add(self.window.ground(lookup))
        if not report.clean:
            self._table = None
        return report

    def conflicts(self) -> list[Conflict]:
        """Current slots that give two values for one subject (`consistency.py`)."""
        m = self.materializer
        return conflicts(
            m.slots,
            m.slots_about,
            self.lexicon,
            m.config.read_match,
            self.read_config.max_diff,
            m.policy,
        )

    @property
    def lexicon(self) -> DocFreq:
        """Document frequencies of the stream so far (owned by the materializer)."""
        return self.materializer.lexicon

    # -- read path --------------------------------------------------------------------------
    def slot_table(self) -> SlotTable:
        """The slots as arrays for reading, rebuilt only after new events were ingested."""
        if self._table is None or self._table.version != self.events_seen:
            slots = list(self.materializer.slots.values())
            now = self.last_seq or 0
            base = np.array([self.materializer.rank(s, now) for s in slots])
            self._table = SlotTable.build(self.events_seen, slots, base)
        return self._table

    def memory(self) -> MemoryView:
        return MemoryView(self, self.counter)

    def latent(self) -> np.ndarray:
        """M latent memory vectors (M = d_state, D = d_inner) from the last layer's SSM state."""
        if self.state is None:
            return np.zeros((0, 0), dtype=np.float32)
        return self.state.ssm[-1][0].contiguous().numpy().copy()

    def context(self, query: str, budget: int) -> Context:
        """Memory (ranked for `query`) then the recent window, within `budget` exactly."""
        check_budget(budget)
        return self.context_from(self.memory().read(query), budget)

    def context_from(self, reading: Reading, budget: int) -> Context:
        """The context for a query already read from the memory (`MemoryView.read`): the
        memory's lines, then the window in the room they leave, each window line with the
        supersession notes the memory knows or read."""
        win_budget = int(budget * self.read_config.window_share)
        memory = reading.lines(budget - win_budget)
        room = max(0, budget - memory.tokens - (1 if memory.lines else 0))
        note = marker(superseded_map(self.materializer.slots), reading.older_seqs)
        window = self.window.window_lines(room, note)
        info = ContextInfo(confidence=reading.confidence, slots=len(self.materializer.slots))
        return make_context(self.name, budget, self.counter, [*memory.lines, *window.lines], info)

    def stats(self) -> Stats:
        return Stats(events=self.events_seen, state_bytes=self.state_bytes())

    def state_bytes(self) -> int:
        """Bytes of the recurrent state, the bounded slot table (text and vectors) and the
        two bounded frequency tables (token ids: 16 B per entry; words: text + 8 B)."""
        ssm = self.state.nbytes if self.state is not None else 0
        ssm += 16 * len(self.token_stats.df)
        ssm += sum(len(w) + 8 for w in self.lexicon.df)
        slots = sum(
            s.key.nbytes
            + s.text_vec.nbytes
            + sum(len(v.text.encode()) for v in (*s.history, s.current))
            for s in self.materializer.slots.values()
        )
        return ssm + slots


def _quoted(slot: Slot) -> list[Version]:
    """Every value a slot quotes from the log."""
    return [slot.current, *slot.history, *(v for v in (slot.opened, slot.thread) if v)]


def _regrounded(held: Version, real: Event | None) -> Version | None:
    """`held` as the log says it (its text and source from the log's event), or None when
    the log does not have that event."""
    if real is None:
        return None
    if matches(held.text, held.source, real):
        return held
    return replace(held, text=real.text, source=real.source)
