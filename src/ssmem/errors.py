"""Errors a user can cause, each rendered as one line naming what is wrong and where.

The CLI turns `InputError` into `ssmem: error: <message>` on stderr and exit code 2; anything
else is a bug and keeps its traceback.
"""

from __future__ import annotations


class InputError(ValueError):
    """Bad user input: a file, line and field that can be pointed at.

    `str(err)` is the one-line message: ``path:line: field: problem``, with the parts that
    are unknown left out.
    """

    def __init__(
        self,
        problem: str,
        *,
        path: str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.problem = problem
        self.path = path
        self.line = line
        self.field = field
        super().__init__(self._render())

    def _render(self) -> str:
        where = ""
        if self.path is not None:
            where = str(self.path)
            if self.line is not None:
                where += f":{self.line}"
            where += ": "
        elif self.line is not None:
            where = f"line {self.line}: "
        field = f"field '{self.field}': " if self.field else ""
        return f"{where}{field}{self.problem}".replace("\n", " ")
