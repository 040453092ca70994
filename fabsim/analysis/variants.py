"""A line with a few more ``--set`` overrides: the unit every experiment varies.

A variant is loaded from the same text, scenario and overrides as its base
line, plus its own, and validated like any spec, so a point of a sweep is
exactly the line ``fabsim run FILE --set ...`` would run. Only the file's
``ranges:`` are not enforced: an experiment may go past an estimate's span
on purpose (``fabsim run`` then needs the range widened, as ``plan`` says).

Example:
    >>> base = load_spec("three_step")                                   # doctest: +SKIP
    >>> variant(base, ["steps.stacking.machines=8"]).steps["stacking"].machines  # doctest: +SKIP
    8
"""

from __future__ import annotations

from collections.abc import Sequence

from fabsim.spec.errors import Problem, SpecError
from fabsim.spec.loading import load_spec_text
from fabsim.spec.models import LineSpec


def variant(base: LineSpec, overrides: Sequence[str]) -> LineSpec:
    """``base`` reloaded from its file with ``overrides`` after its own."""
    if not base.text:
        raise SpecError(
            [Problem(base.label, None, "", "an experiment needs a line loaded from a file")]
        )
    # from the text the base was read from: a file changed since cannot mix in
    return load_spec_text(
        base.text, base.source, [*base.loaded_with, *overrides], base.scenario, experiment=True
    )
