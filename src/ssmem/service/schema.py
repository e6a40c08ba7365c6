"""What the service stores: the SQL schema (portable across SQLite and PostgreSQL) and the
rows the store hands back.

The event log (`events`) is the source of truth; `sessions` holds each stream's head (last
seq, counts, hash-chain head), `snapshots` the optional memory states tied to that chain.
"""

from __future__ import annotations

from dataclasses import dataclass

SCHEMA = """
CREATE TABLE IF NOT EXISTS tenants (
  id {autoid}, name TEXT NOT NULL UNIQUE, created {float} NOT NULL);
CREATE TABLE IF NOT EXISTS api_keys (
  key_hash TEXT PRIMARY KEY, tenant_id BIGINT NOT NULL, created {float} NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (
  id TEXT PRIMARY KEY, tenant_id BIGINT NOT NULL, name TEXT NOT NULL, system TEXT NOT NULL,
  created {float} NOT NULL, last_seq BIGINT NOT NULL, n_events BIGINT NOT NULL,
  n_batches BIGINT NOT NULL, chain TEXT NOT NULL, budget BIGINT);
CREATE INDEX IF NOT EXISTS sessions_tenant ON sessions (tenant_id, created);
CREATE TABLE IF NOT EXISTS events (
  session_id TEXT NOT NULL, seq BIGINT NOT NULL, batch BIGINT NOT NULL, body TEXT NOT NULL,
  chain TEXT NOT NULL, PRIMARY KEY (session_id, seq));
CREATE TABLE IF NOT EXISTS batch_keys (
  session_id TEXT NOT NULL, key TEXT NOT NULL, request_hash TEXT NOT NULL,
  response TEXT NOT NULL, PRIMARY KEY (session_id, key));
CREATE TABLE IF NOT EXISTS snapshots (
  id {autoid}, session_id TEXT NOT NULL, upto_seq BIGINT NOT NULL, n_events BIGINT NOT NULL,
  created {float} NOT NULL, chain TEXT NOT NULL, state {blob}, checksum TEXT NOT NULL,
  rendering TEXT NOT NULL, state_bytes BIGINT NOT NULL, status TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS snapshots_session ON snapshots (session_id, upto_seq);
"""

SESSION_COLS = "id, tenant_id, name, system, created, last_seq, n_events, n_batches, chain, budget"
SNAP_COLS = "id, session_id, upto_seq, n_events, created, chain, checksum, rendering, "
SNAP_COLS += "state_bytes, status"


@dataclass(frozen=True)
class SessionRow:
    id: str
    tenant_id: int
    name: str
    system: str
    created: float
    last_seq: int  # -1 while empty
    n_events: int
    n_batches: int
    chain: str  # hash-chain head over every stored event
    budget: int | None = None  # default read budget of this session (None: server default)


@dataclass(frozen=True)
class SnapshotRow:
    id: int
    session_id: str
    upto_seq: int
    n_events: int
    created: float
    chain: str  # chain head at upto_seq: ties the snapshot to the events it covers
    checksum: str  # sha256 over (system, upto_seq, chain, state)
    rendering: str
    state_bytes: int
    status: str  # "ok" | "corrupt"
    state: bytes | None = None


@dataclass(frozen=True)
class EventRow:
    seq: int
    batch: int
    body: str  # canonical JSON of the event
    chain: str
