"""Spec problems as planners read them: ``FILE:LINE: field.path: what is wrong``.

Example:
    >>> print(Problem("x.yaml", 14, "steps.stacking.yield", "must be in (0, 1], got 1.5"))
    x.yaml:14: steps.stacking.yield: must be in (0, 1], got 1.5
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_SHOWN = 20
"""Most problems a :class:`SpecError` prints; the rest are counted in one last line."""

# Control characters and line breaks in a key would break the
# one-line-per-problem layout (or, in a terminal, be obeyed); they are shown
# escaped.
_ESCAPES = {code: f"\\x{code:02x}" for code in (*range(32), *range(127, 160))} | {
    ord("\n"): "\\n",
    ord("\r"): "\\r",
    ord("\t"): "\\t",
    0x2028: "\\u2028",
    0x2029: "\\u2029",
}


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with a spec, located as precisely as the input allows."""

    source: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = self.source if self.line is None else f"{self.source}:{self.line}"
        text = f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"
        return text.translate(_ESCAPES)


class SpecError(Exception):
    """Raised for any bad input; ``problems`` lists each one, ``str()`` prints them.

    At most :data:`MAX_SHOWN` problems are printed, then a count of the rest.
    """

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=lambda p: (p.source, p.line or 0, p.path))
        shown = [str(p) for p in self.problems[:MAX_SHOWN]]
        hidden = self.problems[MAX_SHOWN:]
        if hidden:
            more = "problem" if len(hidden) == 1 else "problems"
            shown.append(f"{hidden[0].source}: ... and {len(hidden)} more {more}")
        super().__init__("\n".join(shown))
