"""uvicorn's HTTP protocol, with the errors it sends by itself in the API's JSON error shape.

uvicorn answers a request it cannot parse (bad Content-Length, malformed request line or
headers, an oversized URL) with a plain-text 400 before any app code runs, and an app that
fails before starting its response with a plain-text 500. This subclass of the protocol
uvicorn picks (httptools when installed, else h11) sends both as ``{"error": {...}}``, so a
client parses every error the server sends the same way. Pass it as
``uvicorn.run(..., http="ssmem.service.protocol:JsonErrorsHTTP")``.
"""

from __future__ import annotations

import json
import sys

from uvicorn.protocols.http.auto import AutoHTTPProtocol

from ssmem.service.errors import ApiError


def error_json(err: ApiError) -> bytes:
    return json.dumps(err.body()).encode()


def parse_error_message() -> str:
    """Why the request could not be parsed, in one line.

    uvicorn calls `send_400_response` from inside its `except <parser error>:` block (both
    protocol implementations), so the parser's own reason is the exception being handled."""
    err = sys.exc_info()[1]
    if err is not None and err.__context__ is not None:
        err = err.__context__  # httptools: "callback error" wraps uvicorn's own (URL too long)
    reason = " ".join(str(err).split())[:200] if err is not None else ""
    return f"malformed HTTP request: {reason}" if reason else "malformed HTTP request"


class JsonErrorsHTTP(AutoHTTPProtocol):  # type: ignore[misc,valid-type]
    """The HTTP/1.1 protocol uvicorn would use, with a JSON body on its own 400."""

    def send_400_response(self, msg: str) -> None:
        body = error_json(ApiError(400, parse_error_message(), "request"))
        head = [b"HTTP/1.1 400 Bad Request\r\n"]
        for name, value in self.server_state.default_headers:
            head.append(name + b": " + value + b"\r\n")
        head.append(b"content-type: application/json\r\n")
        head.append(b"content-length: %d\r\n" % len(body))
        head.append(b"connection: close\r\n\r\n")
        # Written raw (not through h11's state machine): the connection closes right after,
        # and this works the same under both implementations.
        self.transport.write(b"".join(head) + body)
        self.transport.close()
