"""Domain errors of the core. The CLI and the MkDocs plugin turn them into one clean message each."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with an input, where it is, and what to do about it."""

    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"


class PapersError(Exception):
    """Base class of every error the core raises on purpose."""


class ProblemsError(PapersError):
    """One or more problems in input files; nothing was written."""

    def __init__(self, problems: list[Problem], summary: str = "") -> None:
        self.problems = sorted(problems)
        self.summary = summary
        super().__init__(self.report())

    def report(self) -> str:
        head = self.summary or f"{len(self.problems)} problem(s) found"
        return "\n".join([head, *(f"  {p}" for p in self.problems)])
