"""A line with a few more ``--set`` overrides: the unit every experiment varies.

A variant is loaded from the same file, scenario and overrides as its base
line, plus its own, and validated like any spec, so a point of a sweep is
exactly the line ``fabsim run FILE --set ...`` would run.

Example:
    >>> base = load_spec("three_step")                                   # doctest: +SKIP
    >>> variant(base, ["steps.stacking.machines=8"]).steps["stacking"].machines  # doctest: +SKIP
    8
"""

from __future__ import annotations

from collections.abc import Sequence

from fabsim.spec.errors import Problem, SpecError
from fabsim.spec.loading import load_spec
from fabsim.spec.models import LineSpec


def variant(base: LineSpec, overrides: Sequence[str]) -> LineSpec:
    """``base`` reloaded from its file with ``overrides`` after its own."""
    if not base.source:
        raise SpecError(
            [Problem(base.label, None, "", "an experiment needs a line loaded from a file")]
        )
    return load_spec(base.source, [*base.overrides, *overrides], base.scenario)


def argument(base: LineSpec) -> str:
    """How the command line names ``base`` (``all_solid_sulfide@pilot_2026``)."""
    from fabsim.analysis.line_results import spec_argument

    return spec_argument(base)
