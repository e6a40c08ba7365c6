"""Chat that states nothing on its own never becomes a slot ("Great." was kept as a fact
with confidence 1.0, "Tacos." and "oh right" as open questions; issue 17), while short
messages that carry a value or a statement still do."""

from __future__ import annotations

import numpy as np
import pytest

from ssmem.compressor.store.slots import TYPES
from ssmem.compressor.write.materializer import Materializer
from ssmem.events import Event
from ssmem.text.chatter import says_nothing

CHATTER = ["Great.", "ok", "lol", "oh right", "Tacos.", "❤️", "👍", "Yes, zellige.", "Approved."]
STATEMENTS = [
    "so I'm the driver",
    "8:30 then",
    "4471",
    "Subway tile ordered.",
    "Got it! New passport arrived",
    "Budget for Atlas is $5,000.",
]


@pytest.mark.parametrize("text", CHATTER)
def test_chatter_says_nothing(text):
    assert says_nothing(text)


@pytest.mark.parametrize("text", STATEMENTS)
def test_a_value_or_a_statement_is_content(text):
    assert not says_nothing(text)


def test_chatter_is_dropped_even_when_the_heads_keep_it(feed):
    m = Materializer()
    for seq, text in enumerate(CHATTER):
        for type_ in ("fact", "open_question", "entity"):
            assert feed(m, seq, text, type_, seq % 8).action == "dropped", (text, type_)
    assert m.slots == {}
    assert feed(m, 99, "so I'm the driver", "fact", 1).action == "new"


@pytest.mark.parametrize(
    "text",
    ["Side gate code is 4471", "Booked! Ref HMQ8ZT4K.", "Millhaven's line is 250-555-0144.",
     "Deposit for C-118 is $40.", "Ms. Ortega changed pickup to Friday 7:30am."],
)  # fmt: skip
def test_a_chat_turn_with_a_value_survives_a_noise_call(feed, text):
    m = Materializer()
    noise = feed(m, 0, text, "noise", 0)
    assert noise.action == "dropped"  # kind "event": not a chat turn, the head decides
    type_logits = np.full(len(TYPES), -5.0, dtype=np.float32)
    type_logits[TYPES.index("noise")] = 5.0
    ev = Event(seq=1, text=text, source="Rosa", kind="chat")
    d = m.apply(ev, type_logits, np.eye(8, dtype=np.float32)[1], -5.0, 0.0, np.zeros(384))
    assert d.action == "new" and m.slots[d.slot].current.text == text


def test_a_log_line_with_a_value_is_left_to_the_head(feed):
    m = Materializer()
    type_logits = np.full(len(TYPES), -5.0, dtype=np.float32)
    type_logits[TYPES.index("noise")] = 5.0
    ev = Event(seq=0, text="heartbeat ok pid 4471", source="node7", kind="log")
    d = m.apply(ev, type_logits, np.eye(8, dtype=np.float32)[0], -5.0, 0.0, np.zeros(384))
    assert d.action == "dropped"


def test_memory_of_a_real_chat_keeps_its_values_and_not_its_chatter():
    from ssmem.bench.newuser import load_newuser
    from ssmem.systems import make_system
    from ssmem.tokens import default_counter

    stream = load_newuser("vet")
    mem = make_system("ssm", default_counter())
    mem.ingest(stream.events)
    texts = {s.current.text for s in mem.materializer.slots.values()}
    for value in ("2580", "778-555-0123", "MW-40317", "$812.40"):
        assert any(value in t for t in texts), value
    assert not {"Great.", "Tacos.", "ok", "🙏", "paid", "Saving it"} & texts
