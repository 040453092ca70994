"""Where each field of a spec came from: a line of the file, or a ``--set`` option.

A problem is reported where the planner can fix it, so every check locates
its problems through :class:`Origins`.

Example:
    >>> origins = Origins("line.yaml", {("steps", "press"): 14})
    >>> print(origins.problem(("steps", "press", "cycle"), "must not be negative"))
    line.yaml:14: steps.press.cycle: must not be negative
"""

from __future__ import annotations

from fabsim.spec.errors import Problem
from fabsim.spec.yaml_source import Lines


class Origins:
    """Line numbers of the YAML (``lines``) and the paths ``--set`` replaced (``overridden``)."""

    def __init__(self, source: str, lines: Lines):
        self.source, self.lines = source, lines
        self.overridden: dict[tuple, str] = {}  # path -> the --set option, as reported

    def problem(self, path: tuple, message: str) -> Problem:
        """A :class:`Problem` at ``path``, located by the nearest enclosing field with an origin.

        Example:
            >>> origins = Origins("line.yaml", {("steps", "press"): 14})
            >>> origins.overridden[("steps", "press", "machines")] = "--set steps.press.machines=0"
            >>> print(origins.problem(("steps", "press", "machines"), "must be at least 1, got 0"))
            --set steps.press.machines=0: steps.press.machines: must be at least 1, got 0
        """
        dotted = ".".join(str(p) for p in path)
        for cut in range(len(path), -1, -1):
            if path[:cut] in self.overridden:
                return Problem(self.overridden[path[:cut]], None, dotted, message)
            if path[:cut] in self.lines:
                return Problem(self.source, self.lines[path[:cut]], dotted, message)
        return Problem(self.source, None, dotted, message)
