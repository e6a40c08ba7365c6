"""The compressor's write-side state as JSON plus arrays (for `ssmem.statefile`), and back.

What is saved is exactly what later decisions read: the slots (every dataclass field but the
caches whose names start with ``_``, which are rebuilt from the text on first use), the key
matrix's row order (ties in nearest-slot search go to the earlier row), the word index, the
last events an update may point at, the id counter, the stream's word frequencies, and the
episodic rings. Slot and version fields are encoded by their values (plain JSON; a `Version` or a
word set tagged by `json_default`; the vectors go to the array table), so a plain field added
to `Slot` or `Version` round-trips without a change here, and a value this codec cannot
encode raises `TypeError` at export instead of being lost. Decoding raises `ValueError`
naming the part.
"""

from __future__ import annotations

import dataclasses
from collections import deque
from typing import Any

import numpy as np

from ssmem.compressor.store.episodic import SCALES, Episodic, Snapshot
from ssmem.compressor.store.slots import Slot, Version
from ssmem.compressor.write.materializer import Materializer, Recent
from ssmem.text.lexicon import DocFreq

Arrays = dict[str, np.ndarray]


# -- values ---------------------------------------------------------------------------------
def json_default(value: Any) -> Any:
    """`json.dumps`'s `default` for a state: a `Version` or a set, tagged so that
    `json_hook` brings it back; anything else JSON cannot hold is refused."""
    if isinstance(value, Version):
        return {"$version": value.__dict__}
    if isinstance(value, frozenset | set):
        return {"$set": sorted(value)}
    raise TypeError(f"cannot encode a {type(value).__name__} in a compressor state")


def json_hook(obj: dict[str, Any]) -> Any:
    """`json.loads`'s `object_hook` for a state: the inverse of `json_default`."""
    if "$version" in obj:
        return Version(**obj["$version"])
    if "$set" in obj:
        return frozenset(obj["$set"])
    return obj


# -- slots ----------------------------------------------------------------------------------
SLOT_ARRAYS = ("key", "text_vec")


def _plain_fields(cls: type) -> list[str]:
    """A dataclass's fields that a state holds: not arrays, not caches (``_`` names)."""
    return [
        f.name
        for f in dataclasses.fields(cls)
        if not f.name.startswith("_") and f.name not in SLOT_ARRAYS
    ]


def encode_slots(slots: list[Slot]) -> tuple[list[dict[str, Any]], Arrays]:
    """Slots as JSON-ready records (in the given order; versions and word sets are encoded
    by `json_default`) and their vectors stacked per field. A tuple-valued field would come
    back as a list, so none is allowed."""
    names = _plain_fields(Slot)
    records = [{name: getattr(s, name) for name in names} for s in slots]
    if any(isinstance(v, tuple) for r in records[:1] for v in r.values()):
        raise TypeError("a tuple-valued slot field would not round-trip")
    arrays = {
        f"slot.{name}": np.stack([getattr(s, name) for s in slots])
        if slots
        else np.zeros((0, 0), dtype=np.float32)
        for name in SLOT_ARRAYS
    }
    return records, arrays


def decode_slots(records: list[dict[str, Any]], arrays: Arrays) -> list[Slot]:
    vecs = {name: arrays[f"slot.{name}"] for name in SLOT_ARRAYS}
    if any(len(v) != len(records) for v in vecs.values()):
        raise ValueError("slot vectors and records disagree in number")
    return [
        Slot(**rec, **{name: vecs[name][i].copy() for name in SLOT_ARRAYS})
        for i, rec in enumerate(records)
    ]


# -- frequencies ----------------------------------------------------------------------------
def encode_docfreq(df: DocFreq, prefix: str, arrays: Arrays) -> dict[str, Any]:
    """Word tables go in the JSON (in insertion order); integer-term tables as arrays."""
    if df.df and all(isinstance(t, int) for t in df.df):
        arrays[f"{prefix}.terms"] = np.fromiter(df.df.keys(), dtype=np.int64, count=len(df.df))
        arrays[f"{prefix}.counts"] = np.fromiter(df.df.values(), dtype=np.int64, count=len(df.df))
        return {"docs": df.docs, "max_terms": df.max_terms, "int_terms": True}
    return {
        "docs": df.docs,
        "max_terms": df.max_terms,
        "terms": list(df.df),
        "counts": list(df.df.values()),
    }


def decode_docfreq(df: DocFreq, meta: dict[str, Any], prefix: str, arrays: Arrays) -> None:
    if meta["max_terms"] != df.max_terms:
        raise ValueError(f"{prefix}: max_terms {meta['max_terms']} != {df.max_terms}")
    df.docs = int(meta["docs"])
    if meta.get("int_terms"):
        terms = arrays[f"{prefix}.terms"].tolist()
        counts = arrays[f"{prefix}.counts"].tolist()
    else:
        terms, counts = meta["terms"], meta["counts"]
    if len(terms) != len(counts):
        raise ValueError(f"{prefix}: terms and counts disagree in number")
    df.df = dict(zip(terms, (int(c) for c in counts), strict=True))


# -- materializer ---------------------------------------------------------------------------
def encode_materializer(m: Materializer, arrays: Arrays) -> dict[str, Any]:
    """`m`'s state; its vectors are added to `arrays` (key names start with ``slot.``,
    ``recent.``, ``lexicon.``)."""
    order = [m.slots[sid] for sid in m._rows]  # the key matrix's rows, in order
    if len(order) != len(m.slots):
        raise ValueError("materializer rows and slots disagree")
    records, slot_arrays = encode_slots(order)
    arrays.update(slot_arrays)
    recent = list(m._recent)
    arrays["recent.key"] = (
        np.stack([r.key for r in recent]) if recent else np.zeros((0, 0), dtype=np.float32)
    )
    return {
        "config": m.config.to_dict(),
        "allow_updates": m.allow_updates,
        "next_id": m.next_id,
        "dropped": m.dropped,
        "slots": records,
        "recent": [{"version": r.version, "words": sorted(r.words)} for r in recent],
        "indexed": [[sid, sorted(m._indexed.get(sid, ()))] for sid in m._rows],
        "lexicon": encode_docfreq(m.lexicon, "lexicon", arrays),
    }


def decode_materializer(m: Materializer, meta: dict[str, Any], arrays: Arrays) -> None:
    """Fill a fresh materializer `m` (same config) with the state `encode_materializer` wrote."""
    if m.slots or m.next_id:
        raise ValueError("materializer state can only be imported into a fresh one")
    if meta["config"] != m.config.to_dict():
        raise ValueError("materializer state was written with other settings")
    if meta["allow_updates"] != m.allow_updates:
        raise ValueError("materializer state was written with updates switched differently")
    for slot in decode_slots(meta["slots"], arrays):
        m.slots[slot.id] = slot
        m._set_key(slot)  # rows in the saved order
    m.next_id, m.dropped = int(meta["next_id"]), int(meta["dropped"])
    for sid, ws in meta["indexed"]:
        if sid not in m.slots:
            raise ValueError(f"word index names slot {sid}, which the state does not hold")
        m._indexed[sid] = set(ws)
        for w in ws:
            m._by_word.setdefault(w, set()).add(sid)
    keys = arrays["recent.key"]
    if len(keys) != len(meta["recent"]):
        raise ValueError("recent events and their keys disagree in number")
    for rec, key in zip(meta["recent"], keys, strict=True):
        m._recent.append(Recent(rec["version"], key.copy(), frozenset(rec["words"])))
    decode_docfreq(m.lexicon, meta["lexicon"], "lexicon", arrays)


# -- episodic -------------------------------------------------------------------------------
STATUSES = ("active", "open", "resolved")


def encode_episodic(e: Episodic, arrays: Arrays) -> dict[str, Any]:
    """The rings' snapshots: seqs in the JSON, each slot table as an (n, 3) array of slot id,
    current seq and status (an index into `STATUSES`), and each latent block as is."""
    code = {st: i for i, st in enumerate(STATUSES)}
    rings = {}
    for scale in SCALES:
        seqs = []
        for i, s in enumerate(e.rings[scale]):
            table = np.array(
                [(sid, seq, code[st]) for sid, (seq, st) in s.slots.items()], dtype=np.int64
            ).reshape(-1, 3)
            arrays[f"episodic.{scale}.{i}.slots"] = table
            arrays[f"episodic.{scale}.{i}.latent"] = s.latent
            seqs.append(s.seq)
        rings[scale] = seqs
    return {"count": e.count, "config": dataclasses.asdict(e.config), "rings": rings}


def decode_episodic(e: Episodic, meta: dict[str, Any], arrays: Arrays) -> None:
    if meta["config"] != dataclasses.asdict(e.config):
        raise ValueError("episodic state was written with other settings")
    e.count = int(meta["count"])
    for scale in SCALES:
        ring: deque[Snapshot] = deque(maxlen=e.config.keep)
        for i, seq in enumerate(meta["rings"][scale]):
            rows = arrays[f"episodic.{scale}.{i}.slots"].tolist()
            table = {sid: (sq, STATUSES[st]) for sid, sq, st in rows}
            latent = arrays[f"episodic.{scale}.{i}.latent"]
            ring.append(Snapshot(int(seq), scale, table, latent))
        e.rings[scale] = ring


__all__ = [
    "decode_docfreq",
    "decode_episodic",
    "decode_materializer",
    "encode_docfreq",
    "encode_episodic",
    "encode_materializer",
    "json_default",
    "json_hook",
]
