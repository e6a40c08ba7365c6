"""Group commit: one writer thread commits the batches of many sessions in one transaction.

A SQLite commit with `synchronous=FULL` costs one fsync (~4 ms here), so one transaction per
request caps ingest at a few hundred requests/s however small they are. Callers hand their
write to `submit` and block; the writer takes everything queued, runs each write inside its
own SAVEPOINT (a failing one is undone alone and gets its exception), commits once, and only
then releases the callers: a result still means "committed".
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

T = TypeVar("T")
_STOP = object()


class GroupCommitter:
    def __init__(self, store: Any, max_group: int = 256) -> None:
        self.store = store
        self.max_group = max_group
        self._queue: queue.Queue = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="ssmem-group-commit", daemon=True)
        self._thread.start()

    def submit(self, write: Callable[[Any], T]) -> T:
        """Run `write(cursor)` in the next group transaction; returns after it is committed."""
        fut: Future = Future()
        self._queue.put((write, fut))
        return fut.result()

    def close(self) -> None:
        self._queue.put(_STOP)
        self._thread.join(timeout=30)

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is _STOP:
                return
            group = [first]
            stop = False
            while len(group) < self.max_group:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP:
                    stop = True
                    break
                group.append(item)
            self._commit(group)
            if stop:
                return

    def _commit(self, group: list[tuple[Callable[[Any], Any], Future]]) -> None:
        outcomes: list[tuple[Future, Any, BaseException | None]] = []
        try:
            with self.store.tx(write=True) as c:
                for write, fut in group:
                    c.execute("SAVEPOINT ssmem_write")
                    try:
                        result = write(c)
                    except Exception as err:  # this write only: undo it, keep the others
                        c.execute("ROLLBACK TO SAVEPOINT ssmem_write")
                        c.execute("RELEASE SAVEPOINT ssmem_write")
                        outcomes.append((fut, None, err))
                        continue
                    c.execute("RELEASE SAVEPOINT ssmem_write")
                    outcomes.append((fut, result, None))
        except BaseException as err:  # the commit itself failed: nobody was committed
            for _, fut in group:
                fut.set_exception(err)
            return
        for fut, result, err in outcomes:
            if err is not None:
                fut.set_exception(err)
            else:
                fut.set_result(result)
