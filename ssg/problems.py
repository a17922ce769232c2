"""Problems found while working: one record type, one way to print it.

Every stage reports bad input as a Problem (``path[:line]: message``) and carries on; the CLI
decides the exit status from what was collected. Nothing here raises for bad input.

Three severities: an error fails the command; a warning is bad input that was worked around; a
note says what was done that nobody asked for out loud (an article left out as a draft), so
that nothing happens silently. Only errors change the exit status.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple


def text_lines(text: str) -> list[str]:
    """A file's lines as editors number them (and as ``path:line`` counts): split at LF, CRLF
    and CR only. ``str.splitlines`` also splits at U+0085, U+2028 and the like, which would
    shift the number of every later line."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if lines[-1] == "":
        lines.pop()
    return lines


class Problem(NamedTuple):
    path: str
    line: int | None
    message: str
    severity: str = "error"  # "error", "warning" or "note"

    def under(self, root) -> "Problem":
        """The same problem with its path shown relative to ``root`` when it lies inside it
        (template errors carry absolute file names)."""
        prefix = f"{root}/"
        if self.path.startswith(prefix):
            return Problem(self.path[len(prefix):], self.line, self.message, self.severity)
        return self

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


@dataclass
class Problems:
    """Collector handed down the pipeline; stages append, the CLI reports."""

    items: list[Problem] = field(default_factory=list)

    def error(self, path: str, message: str, line: int | None = None) -> None:
        self.items.append(Problem(str(path), line, message, "error"))

    def warning(self, path: str, message: str, line: int | None = None) -> None:
        self.items.append(Problem(str(path), line, message, "warning"))

    def note(self, path: str, message: str, line: int | None = None) -> None:
        """Not a problem with the input: what the build did with it (neither error nor warning)."""
        self.items.append(Problem(str(path), line, message, "note"))

    def extend(self, other: "Problems | list[Problem]") -> None:
        self.items.extend(other.items if isinstance(other, Problems) else other)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.items if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.items if p.severity == "warning"]

    @property
    def notes(self) -> list[Problem]:
        return [p for p in self.items if p.severity == "note"]


class SsgError(Exception):
    """A failure that stops the command: carries the problems that explain it."""

    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(map(str, problems)))
        self.problems = problems

    def __reduce__(self):  # raised in a worker process, it reaches the parent whole
        return (SsgError, (self.problems,))
