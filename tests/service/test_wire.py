"""The wire contract below the API: requests the HTTP parser itself refuses still get the API's
JSON error (raw sockets against the real server, since no HTTP client sends such bytes)."""

from __future__ import annotations

import json
import socket
from urllib.parse import urlsplit

import pytest


def _raw(url: str, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send `request` as is; return (status, headers, body) of the reply (read until close)."""
    where = urlsplit(url)
    with socket.create_connection((where.hostname, where.port), timeout=10) as s:
        s.sendall(request)
        reply = b""
        while chunk := s.recv(65536):
            reply += chunk
    head, _, body = reply.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, body


@pytest.mark.parametrize(
    ("request_bytes", "reason"),
    [
        (
            b"POST /v1/sessions HTTP/1.1\r\nHost: x\r\nContent-Length: lots\r\n\r\n",
            "content-length",
        ),
        (b"GET /" + b"a" * 100_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", "url is too long"),
        (b"GARBAGE\r\n\r\n", "method"),
        (
            b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
            "content-length",
        ),
        (b"GET / HTTP/1.1\r\nBad Header\r\n\r\n", "header"),
    ],
    ids=[
        "bad-content-length",
        "100kb-url",
        "bad-request-line",
        "two-content-lengths",
        "bad-header",
    ],
)
def test_requests_the_parser_refuses_get_a_json_400_saying_why(server, request_bytes, reason):
    status, headers, body = _raw(server.url, request_bytes)
    assert status == 400
    assert headers["content-type"] == "application/json"
    assert headers["connection"] == "close"
    err = json.loads(body)["error"]
    assert err["code"] == "bad_request" and err["field"] == "request"
    assert err["message"].startswith("malformed HTTP request: ")
    assert reason in err["message"].lower(), err["message"]


def test_the_server_still_answers_after_refusing_malformed_requests(server):
    _raw(server.url, b"GARBAGE\r\n\r\n")
    status, _, body = _raw(server.url, b"GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n")
    assert status == 200 and json.loads(body) == {"status": "ok"}
