"""A spinner with elapsed seconds on stderr while a slow step runs (loading a model, the reader
answering), so a command that takes a minute shows it is alive. Only on a terminal: piped or
captured output gets nothing, so stdout and logs stay clean.
"""

from __future__ import annotations

import sys
import threading
import time
from types import TracebackType
from typing import TextIO

FRAMES = "|/-\\"


class Spinner:
    """`with Spinner("loading model"): ...` draws `| loading model 3.2 s` on `stream` (stderr by
    default) every `interval` seconds and erases it on exit. Draws nothing when `stream` is not
    a TTY. The work runs in the calling thread; only the drawing is in a daemon thread."""

    def __init__(self, label: str, stream: TextIO | None = None, interval: float = 0.1) -> None:
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._width = 0

    @property
    def active(self) -> bool:
        isatty = getattr(self.stream, "isatty", None)
        return bool(isatty and isatty())

    def _draw(self, frame: str, elapsed: float) -> None:
        text = f"{frame} {self.label} {elapsed:.1f} s"
        self._width = max(self._width, len(text))
        self.stream.write("\r" + text.ljust(self._width))
        self.stream.flush()

    def _run(self, start: float) -> None:
        i = 0
        while not self._stop.wait(self.interval if i else 0):
            self._draw(FRAMES[i % len(FRAMES)], time.monotonic() - start)
            i += 1

    def __enter__(self) -> Spinner:
        if self.active:
            self._thread = threading.Thread(target=self._run, args=(time.monotonic(),), daemon=True)
            self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._thread is None:
            return
        self._stop.set()
        self._thread.join()
        self.stream.write("\r" + " " * self._width + "\r")  # leave the line as it was
        self.stream.flush()
