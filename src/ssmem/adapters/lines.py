"""Safe line reading shared by every text adapter: UTF-8 checked, line size bounded.

A user's file never produces a traceback here: every problem is an `InputError` with the
file, the 1-based line number and what is wrong.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ssmem.errors import InputError

#: Longest accepted line (one event) in bytes. A 50 MB single line is an error, not an event.
DEFAULT_MAX_LINE_BYTES = 1 << 20


def read_lines(
    path: str | Path, max_line_bytes: int = DEFAULT_MAX_LINE_BYTES
) -> Iterator[tuple[int, str]]:
    """Yield ``(line_number, text)`` without the trailing newline, for every line of `path`.

    Raises `InputError` for a missing file, a line longer than `max_line_bytes`, or bytes that
    are not UTF-8. Lines are read with a size limit, so a huge line is never loaded whole.
    """
    p = Path(path)
    try:
        fh = p.open("rb")
    except OSError as err:
        raise InputError(f"cannot open: {err.strerror or err}", path=str(path)) from None
    with fh:
        lineno = 0
        while True:
            raw = fh.readline(max_line_bytes + 1)
            if not raw:
                return
            lineno += 1
            if len(raw) > max_line_bytes and not raw.endswith(b"\n"):
                raise InputError(
                    f"line is longer than the {max_line_bytes}-byte limit for one event",
                    path=str(path),
                    line=lineno,
                )
            yield lineno, decode_utf8(raw, str(path), lineno).rstrip("\r\n")


def decode_utf8(raw: bytes, path: str, line: int | None) -> str:
    """Decode strictly; on failure name the byte and its column."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        bad = raw[err.start : err.start + 1].hex()
        raise InputError(
            f"not valid UTF-8 (byte 0x{bad} at column {err.start + 1})", path=path, line=line
        ) from None


def read_text(path: str | Path, max_bytes: int = 512 << 20) -> str:
    """Read a whole (JSON) file as UTF-8 text, with the same errors as `read_lines`."""
    p = Path(path)
    try:
        size = p.stat().st_size
    except OSError as err:
        raise InputError(f"cannot open: {err.strerror or err}", path=str(path)) from None
    if size > max_bytes:
        raise InputError(f"file is {size} bytes, over the {max_bytes}-byte limit", path=str(path))
    raw = p.read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw.count(b"\n", 0, err.start) + 1
        col = err.start - (raw.rfind(b"\n", 0, err.start) + 1) + 1
        bad = raw[err.start : err.start + 1].hex()
        raise InputError(
            f"not valid UTF-8 (byte 0x{bad} at column {col})", path=str(path), line=line
        ) from None
