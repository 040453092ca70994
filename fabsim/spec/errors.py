"""Spec problems as planners read them: ``FILE:LINE: field.path: what is wrong``.

Example:
    >>> print(Problem("x.yaml", 14, "steps.stacking.yield", "must be in (0, 1], got 1.5"))
    x.yaml:14: steps.stacking.yield: must be in (0, 1], got 1.5
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with a spec, located as precisely as the input allows."""

    source: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = self.source if self.line is None else f"{self.source}:{self.line}"
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class SpecError(Exception):
    """Raised for any bad input; ``problems`` lists each one, ``str()`` prints them."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=lambda p: (p.source, p.line or 0, p.path))
        super().__init__("\n".join(str(p) for p in self.problems))
