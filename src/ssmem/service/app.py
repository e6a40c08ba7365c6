"""The FastAPI app: wires store, tenants, session manager, limits and metrics together.

Every error leaves as JSON ``{"error": {status, code, message, field}}``: our own
`ApiError`s, request validation (422; malformed JSON and invalid UTF-8 are 400), unknown
routes, wrong methods (405 with the path's full `Allow`), even bugs (500, logged with a
traceback), and requests the HTTP parser refuses (400: service/protocol.py). The OpenAPI
schema carries this server's limits and systems, so it states what the handlers enforce.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from anyio import to_thread
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from starlette.exceptions import HTTPException
from starlette.routing import compile_path

from ssmem import __version__
from ssmem.service import routes_admin, routes_memory, routes_sessions, routes_snapshots, websocket
from ssmem.service.deps import Services
from ssmem.service.errors import ApiError
from ssmem.service.limits import BodyLimit, RateLimiter
from ssmem.service.manager import SessionManager
from ssmem.service.metrics import Metrics
from ssmem.service.reader import Reader
from ssmem.service.settings import Limits, ServiceSettings
from ssmem.service.store import open_store
from ssmem.service.tenants import Tenants
from ssmem.systems import SYSTEMS

log = logging.getLogger("ssmem.service")
SHUTDOWN_SNAPSHOT_S = 20.0  # a clean shutdown snapshots live sessions for at most this long


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    out = ""
    for p in parts:
        out += f"[{p}]" if p.isdigit() else (f".{p}" if out else p)
    return out or (str(loc[0]) if loc else "request")


ERROR_REF = {"$ref": "#/components/schemas/ErrorOut"}  # every other route documents ErrorOut


def _error(err: ApiError) -> JSONResponse:
    return JSONResponse(err.body(), status_code=err.status, headers=err.headers)


def _cap_integer(schema: dict[str, Any], maximum: int) -> None:
    """Set `maximum` on an integer schema, or on the integer branch of a nullable one."""
    for branch in schema.get("anyOf", [schema]):
        if branch.get("type") == "integer":
            branch["maximum"] = maximum


def server_facts_in_openapi(
    schema: dict[str, Any], lim: Limits, systems: list[str]
) -> dict[str, Any]:
    """The OpenAPI schema with what only the running server knows: its configured limits (every
    `budget`, body or query, at most `max_budget`; a batch at most `max_batch_events` events)
    and the registered memory systems (`system` is one of them). The handlers enforce the same
    facts (422, or 413 for the batch)."""
    models = schema.get("components", {}).get("schemas", {})
    for model in models.values():
        if "budget" in model.get("properties", {}):
            _cap_integer(model["properties"]["budget"], lim.max_budget)
    if "SessionCreate" in models:
        models["SessionCreate"]["properties"]["system"]["enum"] = systems
    for ops in schema.get("paths", {}).values():
        for op in ops.values():
            for param in op.get("parameters", []):
                if param.get("name") == "budget":
                    _cap_integer(param["schema"], lim.max_budget)
    batch = models.get("EventBatch")
    if batch is not None:
        batch["properties"]["events"]["maxItems"] = lim.max_batch_events
    return schema


HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def allowed_methods(schema: dict[str, Any], path: str) -> set[str]:
    """The methods the OpenAPI schema documents for `path` (HEAD with GET, as served): the
    `Allow` of a 405. (Starlette's names only the first route that matched the path.)"""
    methods: set[str] = set()
    for template, ops in schema.get("paths", {}).items():
        if compile_path(template)[0].match(path):
            methods |= {m.upper() for m in ops if m in HTTP_METHODS}
    return methods | ({"HEAD"} if "GET" in methods else set())


def warm_up() -> None:
    """Load the default tokenizer now, so the first request does not pay for it."""
    from ssmem.tokens import default_counter

    default_counter().count("warm up")


def build_services(settings: ServiceSettings) -> Services:
    store = open_store(settings.database_url(), settings.sqlite_synchronous)
    metrics = Metrics()
    return Services(
        settings=settings,
        store=store,
        tenants=Tenants(store, settings.admin_key),
        manager=SessionManager(store, settings, metrics),
        metrics=metrics,
        limiter=RateLimiter(settings.lim.rate_per_s, settings.lim.rate_burst),
        reader=Reader(settings),
        auth_failures=RateLimiter(settings.lim.auth_fail_per_s, settings.lim.auth_fail_burst),
    )


class Timing:
    """ASGI middleware: request latency per route template (plain ASGI: no per-request task)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        t0 = time.perf_counter()
        try:
            await self.app(scope, receive, send)
        finally:
            path = getattr(scope.get("route"), "path", "unmatched")
            metrics = scope["app"].state.services.metrics
            metrics.request_seconds.labels(path, scope["method"]).observe(time.perf_counter() - t0)


def create_app(settings: ServiceSettings) -> FastAPI:
    """An app over `settings`; the database is opened (and its schema created) at startup."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        svc = app.state.services = build_services(settings)
        await to_thread.run_sync(warm_up)
        # The models the stored sessions need load in the background: the server is ready at
        # once, and a first read that needs one waits only for what is left of the load.
        threading.Thread(target=svc.manager.warm_up, name="warm-up", daemon=True).start()
        yield
        if settings.snapshot_every:  # 0: no automatic snapshots, at shutdown either
            taken = await to_thread.run_sync(svc.manager.snapshot_all, SHUTDOWN_SNAPSHOT_S)
            log.info("shutdown: %d sessions snapshotted", taken)
        svc.store.close()

    app = FastAPI(
        title="ssmem memory service",
        version=__version__,
        description="Sessions of streamed events, durable memory at a token budget.",
        lifespan=lifespan,
    )
    for module in (routes_sessions, routes_memory, routes_snapshots, routes_admin, websocket):
        app.include_router(module.router)
    app.include_router(routes_memory.answer_router)  # 409 naming the fix without a backend

    @app.exception_handler(ApiError)
    async def on_api_error(request: Request, err: ApiError) -> JSONResponse:
        request.app.state.services.metrics.rejected.labels(str(err.status)).inc()
        return _error(err)

    @app.exception_handler(RequestValidationError)
    async def on_invalid(request: Request, err: RequestValidationError) -> JSONResponse:
        first = err.errors()[0] if err.errors() else {"loc": (), "msg": "invalid request"}
        status = 400 if first.get("type") == "json_invalid" else 422
        msg = str(first.get("msg", "invalid"))
        if first.get("type") == "json_invalid":
            msg = f"malformed JSON: {first.get('ctx', {}).get('error', msg)}"
            return _error(ApiError(status, msg, "body"))
        return _error(ApiError(status, msg, _field(tuple(first.get("loc", ())))))

    @app.exception_handler(HTTPException)
    async def on_http(request: Request, err: HTTPException) -> JSONResponse:
        field = "body" if err.status_code == 400 else None
        detail = err.detail if isinstance(err.detail, str) else "error"
        headers = dict(err.headers or {})
        if err.status_code == 400:
            detail = "request body is not valid UTF-8 JSON"
        if err.status_code == 405:
            documented = allowed_methods(request.app.openapi(), request.url.path)
            if documented:
                headers["Allow"] = ", ".join(sorted(documented))
            detail = f"method {request.method} not allowed here (allowed: {headers.get('Allow')})"
        return _error(ApiError(err.status_code, detail, field, headers=headers))

    @app.exception_handler(Exception)
    async def on_bug(request: Request, err: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return _error(ApiError(500, f"internal error ({type(err).__name__})"))

    @app.get("/healthz", tags=["ops"])
    def healthz() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["ops"], responses={503: {"description": "database unreachable"}})
    def readyz(request: Request) -> JSONResponse:
        """Readiness: the database answers a query."""
        svc: Services = request.app.state.services
        try:
            svc.store.ping()
        except Exception as err:  # any driver error means not ready
            return _error(ApiError(503, f"database unavailable: {type(err).__name__}"))
        backend = "postgresql" if svc.settings.db_url else "sqlite"
        return JSONResponse({"status": "ready", "backend": backend})

    @app.get(
        "/metrics",
        tags=["ops"],
        response_class=PlainTextResponse,
        # JSON like every error (FastAPI would document it as the route's text/plain)
        responses={401: {"content": {"application/json": {"schema": ERROR_REF}}}},
    )
    def metrics(request: Request) -> Response:
        """Prometheus text format: ingest counts, latency histograms, sessions, state bytes —
        totals over every tenant, so the admin key is required (unless `metrics_public`)."""
        svc: Services = request.app.state.services
        if not svc.settings.metrics_public:
            svc.tenants.check_admin(request.headers.get("authorization", "")[7:] or None)
        svc.metrics.state_bytes.set(svc.manager.state_bytes())
        return Response(svc.metrics.render(), media_type="text/plain; version=0.0.4")

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = FastAPI.openapi(app)
            app.openapi_schema = server_facts_in_openapi(schema, settings.lim, sorted(SYSTEMS))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    app.add_middleware(Timing)
    app.add_middleware(BodyLimit, max_bytes=settings.lim.max_request_bytes)
    return app
