"""The model pool: one loaded backend per model and settings, bounded, calls serialised."""

from __future__ import annotations

import threading

import pytest

from ssmem.llm.base import BackendError
from ssmem.llm.fake import FakeBackend
from ssmem.llm.models import DEFAULT_MODEL
from ssmem.llm.pool import ModelPool, PoolFull, model_key


class Loads:
    """A loader that counts loads and hands out fake backends (nothing real is loaded)."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def __call__(self, name: str, **options) -> FakeBackend:
        self.names.append(name)
        backend = FakeBackend()
        backend.name = name
        return backend


def test_one_load_per_model_and_settings_shared_by_every_caller():
    loads = Loads()
    pool = ModelPool(loader=loads)
    first = pool.get("local", threads=1)
    assert pool.get(DEFAULT_MODEL) is first  # the same model, defaults spelled out or not
    assert pool.get("local", threads=2) is not first  # other settings: another model
    assert loads.names == ["local", "local"] and (pool.loads, pool.hits, len(pool)) == (2, 1, 2)


def test_keys_name_the_model_and_its_full_settings():
    assert model_key("local", {}) == model_key(DEFAULT_MODEL, {"threads": 1, "seed": 0})
    assert model_key("smollm2-135m", {}) != model_key("local", {})
    with pytest.raises(BackendError, match="bad option"):
        model_key("local", {"thread": 1})


def test_a_full_pool_refuses_a_new_model_naming_the_limit_and_loads_nothing():
    loads = Loads()
    pool = ModelPool(max_models=1, loader=loads)
    shared = pool.get("fake")
    with pytest.raises(PoolFull, match=r"max_models 1 reached: cannot load 'openai'"):
        pool.get("openai", base_url="http://127.0.0.1:9")
    assert pool.get("fake") is shared  # models already loaded are still served
    assert loads.names == ["fake"]


def test_a_failed_load_is_not_kept():
    calls = []

    def flaky(name: str, **options) -> FakeBackend:
        calls.append(name)
        if len(calls) == 1:
            raise BackendError("model missing")
        return FakeBackend()

    pool = ModelPool(max_models=1, loader=flaky)
    with pytest.raises(BackendError, match="model missing"):
        pool.get("fake")
    assert len(pool) == 0 and pool.get("fake") is not None and len(calls) == 2


def test_concurrent_calls_on_one_model_take_turns():
    """llama.cpp must not run two calls on one model at once: the second caller waits."""
    inside = threading.Semaphore(0)
    overlaps: list[int] = []
    active = [0]

    def reply(messages) -> str:
        active[0] += 1
        overlaps.append(active[0])
        inside.release()
        release.wait()  # hold the model until the test lets go
        active[0] -= 1
        return "ok"

    release = threading.Event()
    pool = ModelPool(loader=lambda name, **o: FakeBackend(reply))
    backend = pool.get("fake")
    threads = [
        threading.Thread(target=backend.complete, args=([{"role": "user", "content": "q"}],))
        for _ in range(3)
    ]
    for t in threads:
        t.start()
    inside.acquire()  # one call is inside the model; give the others time to (wrongly) enter
    inside.acquire(timeout=0.2)
    release.set()
    for t in threads:
        t.join()
    assert overlaps == [1, 1, 1]
