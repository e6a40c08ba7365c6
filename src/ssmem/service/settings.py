"""Service settings: one dataclass, filled from a config file, then `SSMEM_*` env, then flags.

Later sources win. Secrets (the admin key) come from the environment or the config file,
never from a flag, so they do not show up in `ps`.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from ssmem.errors import InputError

ENV_PREFIX = "SSMEM_"


@dataclass
class Limits:
    """What one request may carry; each limit breaks with a clear 4xx (413 or 429)."""

    max_request_bytes: int = 4 * 1024 * 1024  # whole HTTP body or WebSocket message
    max_batch_events: int = 1000
    max_event_bytes: int = 256 * 1024  # one event's canonical JSON
    rate_per_s: float = 200.0  # requests per second per tenant (token bucket refill)
    rate_burst: int = 400  # bucket size
    max_budget: int = 32_768  # tokens a memory read may ask for
    # Requests with an unknown API key, per client address (each costs a database lookup):
    # refill per second and bucket size; once spent, unknown keys get 429 without a lookup.
    auth_fail_per_s: float = 5.0
    auth_fail_burst: int = 50


@dataclass
class ServiceSettings:
    """Everything `ssmem serve` needs. `db_url` empty = SQLite file `<data_dir>/ssmem.db`."""

    host: str = "127.0.0.1"
    port: int = 8080
    data_dir: str = "./ssmem-data"
    db_url: str = ""  # "postgresql://user@host/db" selects PostgreSQL
    sqlite_synchronous: str = "FULL"  # FULL: fsync every commit (acknowledged = on disk)
    admin_key: str = ""  # enables /v1/admin; compared by hash
    snapshot_every: int = 1000  # events between automatic snapshots (0 = never)
    # At most this share of a session's ingest time goes to automatic snapshots: a large state
    # is snapshotted less often than every `snapshot_every` events (0 = no such cap).
    snapshot_overhead: float = 0.2
    ground_every: int = 10_000  # events between re-grounding passes of a live session (0 = never)
    snapshot_keep: int = 5  # newest snapshots kept per session (>= 2 for diffs)
    snapshot_render_budget: int = 512  # budget of the rendering stored with a snapshot
    max_live_sessions: int = 1000  # sessions held in RAM; others reload on demand
    # Costs a tenant can impose (0 = no limit). Sessions are counted in the database (429 past
    # the cap); models are per process and shared, so one more distinct model is a 503.
    max_sessions_per_tenant: int = 1000
    max_model_sessions_per_tenant: int = 100  # sessions of systems that run a model (summary)
    max_models: int = 2  # distinct LLMs loaded in this process (reader and summary writers)
    default_budget: int = 512
    metrics_public: bool = False  # /metrics without the admin key (it shows every tenant's totals)
    log_level: str = "warning"
    llm_backend: str = ""  # "" = no /answer; "local", a packaged model, "openai" (or "fake")
    llm_base_url: str = ""  # for llm_backend "openai"
    llm_model: str = ""
    llm_threads: int = 1
    limits: Limits | None = None

    def __post_init__(self) -> None:
        if not 0.0 <= self.snapshot_overhead <= 1.0:
            raise InputError(
                f"must be in [0, 1], got {self.snapshot_overhead}", field="snapshot_overhead"
            )
        for name in ("max_sessions_per_tenant", "max_model_sessions_per_tenant", "max_models"):
            if getattr(self, name) < 0:
                raise InputError(
                    f"must be >= 0 (0 = no limit), got {getattr(self, name)}", field=name
                )
        if self.limits is None:
            self.limits = Limits()
        elif isinstance(self.limits, Mapping):
            self.limits = _build(Limits, dict(self.limits), "limits")

    @property
    def lim(self) -> Limits:
        assert self.limits is not None
        return self.limits

    def database_url(self) -> str:
        if self.db_url:
            return self.db_url
        return "sqlite:///" + str(Path(self.data_dir).resolve() / "ssmem.db")

    def public_dict(self) -> dict[str, Any]:
        """Settings without secrets (for logs and `/readyz`)."""
        d = asdict(self)
        d["admin_key"] = "***" if self.admin_key else ""
        if "@" in d["db_url"]:
            d["db_url"] = d["db_url"].split("://")[0] + "://***@" + d["db_url"].split("@", 1)[1]
        return d


def _coerce(value: Any, typ: Any, name: str) -> Any:
    kind = typ if isinstance(typ, type) else str(typ)
    try:
        if kind in (bool, "bool"):
            if isinstance(value, str):
                if value.lower() in ("1", "true", "yes", "on"):
                    return True
                if value.lower() in ("0", "false", "no", "off"):
                    return False
                raise ValueError(value)
            return bool(value)
        if kind in (int, "int"):
            if isinstance(value, bool):
                raise ValueError(value)
            return int(value)
        if kind in (float, "float"):
            return float(value)
        if kind in (str, "str"):
            return str(value)
    except (TypeError, ValueError):
        raise InputError(f"expected {kind}, got {value!r}", field=name) from None
    return value


def _build(cls: type, values: dict[str, Any], where: str) -> Any:
    known = {f.name: f for f in fields(cls)}
    out: dict[str, Any] = {}
    for key, value in values.items():
        if key not in known:
            raise InputError(f"unknown setting (known: {', '.join(known)})", field=f"{where}.{key}")
        if key == "limits":
            out[key] = value
            continue
        out[key] = _coerce(value, known[key].type, f"{where}.{key}")
    return cls(**out)


def load_settings(
    config: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> ServiceSettings:
    """Merge config file (JSON or TOML), `SSMEM_<NAME>` / `SSMEM_LIMIT_<NAME>` env, overrides.

    Raises `InputError` naming the bad setting.
    """
    top: dict[str, Any] = {}
    lim: dict[str, Any] = {}
    if config:
        path = Path(config)
        try:
            raw = path.read_bytes()
            data = tomllib.loads(raw.decode()) if path.suffix == ".toml" else json.loads(raw)
        except OSError as err:
            raise InputError(f"cannot read config: {err.strerror}", path=str(path)) from None
        except (ValueError, UnicodeDecodeError) as err:
            raise InputError(f"invalid config: {err}", path=str(path)) from None
        if not isinstance(data, dict):
            raise InputError("config must be an object/table", path=str(path))
        lim.update(data.pop("limits", {}) or {})
        top.update(data)
    env = os.environ if env is None else env
    top_names = {f.name for f in fields(ServiceSettings)} - {"limits"}
    lim_names = {f.name for f in fields(Limits)}
    for key, value in env.items():
        if not key.startswith(ENV_PREFIX):
            continue
        name = key[len(ENV_PREFIX) :].lower()
        if name.startswith("limit_") and name[6:] in lim_names:
            lim[name[6:]] = value
        elif name in top_names:
            top[name] = value
    for key, value in (overrides or {}).items():
        if value is None:
            continue
        if key in lim_names:
            lim[key] = value
        else:
            top[key] = value
    settings = _build(ServiceSettings, top, "settings")
    settings.limits = _build(Limits, lim, "limits")
    return settings
