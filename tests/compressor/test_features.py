"""Event features: the IDF half is causal, carried across calls, and favours rare words."""

from __future__ import annotations

import torch

from ssmem.compressor.write.features import D_IN, EMBED_DIM, TokenStats, default_featurizer
from ssmem.events import Event


def events(texts: list[str]) -> list[Event]:
    return [Event(seq=i, text=t) for i, t in enumerate(texts)]


def test_streaming_features_equal_one_pass() -> None:
    feat = default_featurizer()
    evs = events([f"deploy {i % 3} of Atlas finished with code {i}" for i in range(40)])
    whole = feat(evs)
    stats = TokenStats()
    parts = torch.cat([feat(evs[i : i + 7], stats) for i in range(0, len(evs), 7)])
    assert whole.shape == (40, D_IN)
    assert torch.allclose(whole, parts)


def test_values_weigh_nothing_in_the_idf_half() -> None:
    feat = default_featurizer()
    a, b = feat(events(["budget of Atlas is 5,000"])), feat(events(["budget of Atlas is 93,120"]))
    assert (
        float(torch.dot(a[0, EMBED_DIM : 2 * EMBED_DIM], b[0, EMBED_DIM : 2 * EMBED_DIM])) > 0.999
    )
    assert float(torch.dot(a[0, :EMBED_DIM], b[0, :EMBED_DIM])) < 0.99  # the plain half differs


def test_recurring_template_words_fade_from_the_idf_half() -> None:
    feat = default_featurizer()
    template = [f"status report: the nightly build is green again, run {i}" for i in range(50)]
    name = feat.embed_texts(["Zanzibar"])[0]
    x = feat(events([*template, "status report: the nightly build is green again, Zanzibar"]))
    plain, heavy = x[-1, :EMBED_DIM].numpy(), x[-1, EMBED_DIM : 2 * EMBED_DIM].numpy()
    # The rare name dominates the IDF-weighted mean far more than the plain mean.
    assert float(heavy @ name) > float(plain @ name) + 0.2
    # Without history, the two halves nearly agree (every word is equally new).
    fresh = feat(events(["status report the nightly build is green again Zanzibar"]))[0]
    assert float(torch.dot(fresh[:EMBED_DIM], fresh[EMBED_DIM : 2 * EMBED_DIM])) > 0.95
