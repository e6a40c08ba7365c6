"""Costs a tenant can impose: one shared reader model per process (issue 18, "Memory exhaustion
by any tenant": each `summary` session loaded its own 1.5B model, +0.76 GB), sessions per
tenant capped (429), models per process capped (503); each refusal names its limit."""

from __future__ import annotations

import pytest

from ssmem import ServiceError
from ssmem.llm import pool as pool_module
from ssmem.llm.models import SMALLEST_MODEL, installed_models
from ssmem.llm.pool import ModelPool
from ssmem.service.errors import ApiError
from ssmem.service.manager import SessionManager
from ssmem.service.metrics import Metrics
from ssmem.service.reader import Reader
from ssmem.service.settings import ServiceSettings
from ssmem.service.store import open_store


@pytest.fixture
def pool(monkeypatch) -> ModelPool:
    """A fresh process pool (the manager sets its `max_models`), fake summary writers."""
    fresh = ModelPool()
    monkeypatch.setattr(pool_module, "_POOL", fresh)
    monkeypatch.setenv("SSMEM_SUMMARY_BACKEND", "fake")
    return fresh


def _manager(tmp_path, **kw) -> SessionManager:
    settings = ServiceSettings(data_dir=str(tmp_path), sqlite_synchronous="OFF", **kw)
    return SessionManager(open_store(settings.database_url(), "OFF"), settings, Metrics())


def _backend(m: SessionManager, tenant: int, sid: str):
    with m.use(tenant, sid) as live:
        return live.system.backend


def test_summary_sessions_and_the_reader_share_one_model(tmp_path, pool):
    m = _manager(tmp_path, max_live_sessions=2, llm_backend="fake")
    sids = [m.create(1, f"s{i}", "summary").id for i in range(5)]
    for sid in sids:  # evicted and restored along the way: restores share it too
        m.ingest(1, sid, [{"text": "Atlas budget is $9,000."}], None, "test")
    backends = {id(_backend(m, 1, sid)) for sid in sids}
    assert len(backends) == 1 and pool.loads == 1
    assert id(Reader(m.settings).get()) in backends  # /answer uses the same loaded model


@pytest.mark.skipif(SMALLEST_MODEL not in installed_models(), reason="model not installed")
def test_real_summary_sessions_load_the_model_once(tmp_path, pool, monkeypatch):
    pytest.importorskip("llama_cpp")
    monkeypatch.setenv("SSMEM_SUMMARY_BACKEND", SMALLEST_MODEL)
    m = _manager(tmp_path)
    sids = [m.create(1, f"s{i}", "summary").id for i in range(3)]
    assert len({id(_backend(m, 1, sid)) for sid in sids}) == 1
    assert (pool.loads, pool.hits) == (1, 2)


def test_sessions_per_tenant_are_capped_counting_the_store(tmp_path, pool):
    m = _manager(tmp_path, max_sessions_per_tenant=2)
    first = m.create(1, "a", "window").id
    m.create(1, "b", "window")
    with pytest.raises(ApiError) as refused:
        m.create(1, "c", "window")
    err = refused.value
    assert (err.status, err.field, err.code) == (429, "max_sessions_per_tenant", "quota_exceeded")
    assert "max_sessions_per_tenant is 2" in err.message
    m.create(2, "other tenant", "window")  # a per-tenant cap
    restarted = _manager(tmp_path, max_sessions_per_tenant=2)  # durable: counted in the store
    with pytest.raises(ApiError, match="max_sessions_per_tenant"):
        restarted.create(1, "c", "window")
    restarted.delete(1, first)
    restarted.create(1, "c", "window")


def test_model_sessions_per_tenant_are_capped(tmp_path, pool):
    m = _manager(tmp_path, max_model_sessions_per_tenant=1)
    m.create(1, "a", "summary")
    with pytest.raises(ApiError) as refused:
        m.create(1, "b", "summary")
    assert (refused.value.status, refused.value.field) == (429, "max_model_sessions_per_tenant")
    m.create(1, "w", "window")  # systems without a model are not counted
    m.create(2, "b", "summary")


def test_a_model_beyond_max_models_is_a_503_naming_it_and_loads_nothing(
    tmp_path, pool, monkeypatch
):
    m = _manager(tmp_path, max_models=1, llm_backend="openai", llm_base_url="http://127.0.0.1:9")
    m.create(1, "a", "summary")  # loads the fake writer: the pool is full
    with pytest.raises(ApiError) as refused:
        Reader(m.settings).get()
    assert (refused.value.status, refused.value.field) == (503, "max_models")
    assert "max_models 1" in refused.value.message
    monkeypatch.setenv("SSMEM_SUMMARY_BACKEND", SMALLEST_MODEL)
    with pytest.raises(ApiError) as refused:
        m.create(1, "b", "summary")
    assert (refused.value.status, refused.value.field) == (503, "max_models")
    assert pool.loads == 1


def test_server_flags_set_the_caps_and_the_refusal_is_json_naming_the_limit(make_server):
    srv = make_server("--max-sessions-per-tenant", "1", "--max-models", "1", "--rate-per-s", "0")
    c = srv.tenant()
    c.create_session()
    with pytest.raises(ServiceError) as refused:
        c.create_session()
    assert (refused.value.status, refused.value.field) == (429, "max_sessions_per_tenant")
    assert srv.tenant().create_session()["id"]


def test_a_negative_cap_is_refused_naming_the_setting():
    from ssmem.errors import InputError
    from ssmem.service.settings import load_settings

    with pytest.raises(InputError, match=r"max_models.*must be >= 0"):
        load_settings(env={"SSMEM_MAX_MODELS": "-1"})
