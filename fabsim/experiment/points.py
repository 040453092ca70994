"""The points of an experiment: values to sweep, a full grid, a Latin hypercube over ranges.

Values are kept as text in the ``--set`` syntax (``"45 s"``, ``"6"``), so a
point's overrides are exactly what a planner would type for ``fabsim run``.

Example:
    >>> sweep_values("2,4,6")
    ['2', '4', '6']
    >>> sweep_values("1..4")
    ['1', '2', '3', '4']
    >>> sweep_values("30 s..60 s:10 s")
    ['30 s', '40 s', '50 s', '60 s']
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass

_NUMBER_UNIT = re.compile(r"\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(.*?)\s*")
MAX_POINTS = 100_000
"""Most points one sweep may have (a grid grows fast)."""


@dataclass(frozen=True)
class Point:
    """One point of an experiment: the value of each varied path, as ``--set`` text."""

    index: int
    values: dict[str, str]

    @property
    def overrides(self) -> list[str]:
        """The ``--set PATH=VALUE`` options of this point."""
        return [f"{path}={value}" for path, value in self.values.items()]


def split_number(text: object) -> tuple[float, str]:
    """A value as written, split into its number and its unit.

    Example:
        >>> split_number("1500 m"), split_number(0.95)
        ((1500.0, 'm'), (0.95, ''))
    """
    found = _NUMBER_UNIT.fullmatch(str(text))
    if not found:
        raise ValueError(f"{str(text).strip()!r} is not a number with an optional unit")
    return float(found[1]), found[2]


def _show(number: float, unit: str) -> str:
    text = f"{float(f'{number:.12g}'):g}"
    return f"{text} {unit}" if unit else text


def sweep_values(text: str) -> list[str]:
    """Expand ``VALUES``: a list ``a,b,c``, integers ``1..6``, or ``low..high:step``.

    A range with a step keeps the unit it is written in; all three parts
    must use the same unit. Raises ``ValueError`` for anything else.

    Example:
        >>> sweep_values("0.9..0.99:0.03")
        ['0.9', '0.93', '0.96', '0.99']
    """
    text = text.strip()
    if ".." not in text:
        values = [v.strip() for v in text.split(",")]
        if not all(values):
            raise ValueError(f"{text!r}: an empty value in the list")
        return values
    try:
        return _expand(text)
    except (OverflowError, ZeroDivisionError):
        raise ValueError(f"{text!r}: numbers out of range") from None


def _expand(text: str) -> list[str]:
    span, _, step_text = text.partition(":")
    low_text, _, high_text = span.partition("..")
    low, unit = split_number(low_text)
    high, high_unit = split_number(high_text)
    if not step_text:
        if unit or high_unit or low != int(low) or high != int(high):
            raise ValueError(f"{text!r}: a range without a step is whole numbers only (1..6)")
        step, step_unit = 1.0, ""
    else:
        step, step_unit = split_number(step_text)
    if len({unit, high_unit, step_unit}) != 1:
        raise ValueError(f"{text!r}: write low, high and step in one unit")
    if not all(math.isfinite(v) for v in (low, high, step)):
        raise ValueError(f"{text!r}: numbers out of range")
    if step <= 0 or high < low:
        raise ValueError(f"{text!r}: needs low <= high and a step above zero")
    count = round((high - low) / step)
    if abs(low + count * step - high) > 1e-9 * max(1.0, abs(high)):
        raise ValueError(f"{text!r}: the step does not divide high - low")
    if count + 1 > MAX_POINTS:
        raise ValueError(f"{text!r}: {count + 1} values; at most {MAX_POINTS}")
    return [_show(low + i * step, unit) for i in range(count + 1)]


def grid(axes: dict[str, list[str]]) -> list[Point]:
    """Every combination of the axes' values (the last axis varies fastest).

    Example:
        >>> [p.overrides for p in grid({"a": ["1", "2"], "b": ["x"]})]
        [['a=1', 'b=x'], ['a=2', 'b=x']]
    """
    size = 1
    for values in axes.values():
        size *= len(values)
    if size > MAX_POINTS:
        raise ValueError(f"the grid has {size} points; at most {MAX_POINTS}")
    paths = list(axes)
    return [
        Point(i, dict(zip(paths, combo, strict=True)))
        for i, combo in enumerate(itertools.product(*axes.values()))
    ]


def latin_hypercube(
    bounds: dict[str, tuple[object, object]],
    count: int,
    seed: int,
    whole: set[str] | frozenset[str] = frozenset(),
) -> list[Point]:
    """``count`` points spread over each range by Latin hypercube sampling.

    Each range is cut into ``count`` equal strata and every stratum is used
    once per path, in an order drawn from ``seed``. Values keep the low
    bound's unit (a high bound in another spelling or unit is converted);
    the paths in ``whole`` (fields that count) get whole numbers.

    Example:
        >>> points = latin_hypercube({"steps.a.machines": (2, 8)}, 3, 1, {"steps.a.machines"})
        >>> sorted(int(p.values["steps.a.machines"]) for p in points)
        [2, 6, 7]
    """
    import numpy as np

    if count < 1 or count > MAX_POINTS:
        raise ValueError(f"--sample {count}: expected 1 to {MAX_POINTS} points")
    rng = np.random.default_rng(seed)
    columns = {}
    for path, (low_bound, high_bound) in bounds.items():
        low, unit = split_number(str(low_bound))
        high, high_unit = split_number(str(high_bound))
        if unit != high_unit:
            high *= conversion(high_unit, unit, path, low_bound, high_bound)
        if path in whole:  # each whole number gets an equal share of the span
            low, high = low - 0.5 + 1e-9, high + 0.5 - 1e-9
        strata = (rng.permutation(count) + rng.random(count)) / count
        values = low + strata * (high - low)
        columns[path] = [
            str(int(round(v))) if path in whole else _show(float(v), unit) for v in values
        ]
    return [Point(i, {p: columns[p][i] for p in bounds}) for i in range(count)]


def conversion(unit: str, into: str, path: str, low: object, high: object) -> float:
    """How many ``into`` one ``unit`` is (``weeks`` -> ``week``: 1; ``h`` -> ``min``: 60)."""
    from fabsim.spec.units import _registry

    try:
        return float(_registry().Quantity(1, unit).to(into).magnitude)
    except Exception:  # pint cannot relate them (money, or no unit on one side)
        raise ValueError(f"{path}: the range {low}..{high} mixes units") from None
