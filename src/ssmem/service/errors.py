"""API errors: every failure the service reports is JSON naming the status, code and field.

Body: ``{"error": {"status": 422, "code": "invalid", "field": "events[3].text",
"message": "expected a string, got int"}}``.
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An error with an HTTP status; `field` points at the bad input (dotted path) if any."""

    def __init__(
        self,
        status: int,
        message: str,
        field: str | None = None,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field
        self.code = code or CODES.get(status, "error")
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        err: dict[str, Any] = {"status": self.status, "code": self.code, "message": self.message}
        if self.field:
            err["field"] = self.field
        return {"error": err}


CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    409: "conflict",
    413: "too_large",
    422: "invalid",
    429: "rate_limited",
    500: "internal",
    501: "not_configured",
    503: "unavailable",
}


def not_found(what: str, field: str | None = None) -> ApiError:
    return ApiError(404, f"{what} not found", field)


def check_text(value: str, field: str, max_len: int = 200) -> str:
    """Reject strings the database cannot store (NUL, lone surrogates) or that are too long."""
    if len(value) > max_len:
        raise ApiError(422, f"longer than {max_len} characters", field)
    if "\x00" in value:
        raise ApiError(422, "contains a NUL character", field)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ApiError(422, "not valid Unicode (lone surrogate)", field) from None
    return value
