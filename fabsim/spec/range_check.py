"""A step's ``ranges`` (the span a sweep or sensitivity study may vary a field over).

Each entry must name a numeric field of its step, each bound must be valid
for that field exactly as if written in it, and the range must contain the
field's base value.

Example:
    >>> data = {"line": "Example", "product": {"item": "cell", "energy": "0.2 kWh"},
    ...         "steps": {"press": {"makes": {"cell": 1}, "cycle": "1 h", "yield": 0.98,
    ...                             "ranges": {"yield": [0.9, 0.95]}}}}
    >>> spec = LineSpec.model_validate(data)
    >>> print(check_ranges(spec, data, Origins("line.yaml", {}))[0].message)
    the range [0.9, 0.95] does not contain the base value 0.98
"""

from __future__ import annotations

import copy
from collections.abc import Iterable

from pydantic import ValidationError

from fabsim.spec import models
from fabsim.spec.errors import Problem
from fabsim.spec.models import LineSpec, Step
from fabsim.spec.origins import Origins
from fabsim.spec.pydantic_errors import message, show


def check_ranges(spec: LineSpec, data: dict, origins: Origins) -> list[Problem]:
    """Each ``ranges`` entry names a field, parses like it, and contains its base value.

    ``data`` is the spec as written (after ``--set``), so each bound is
    read with the field's own units and shorthands.

    Example:
        >>> data = {"line": "Example", "product": {"item": "cell", "energy": "0.2 kWh"},
        ...         "steps": {"press": {"makes": {"cell": 1}, "cycle": "1 h",
        ...                             "ranges": {"machines": [1, "two"]}}}}
        >>> spec = LineSpec.model_validate(data)
        >>> print(check_ranges(spec, data, Origins("line.yaml", {}))[0].message)
        bound 'two': expected a whole number, got 'two'
    """
    problems: list[Problem] = []
    for step_id, step in spec.steps.items():
        for field_path, bounds in step.ranges.items():
            where = ("steps", step_id, "ranges", field_path)
            parts = tuple(
                int(p) if p.isascii() and p.isdigit() else p for p in field_path.split(".")
            )
            try:
                base = field_value(step, parts)
                low, high = (_range_bound(data["steps"][step_id], parts, b) for b in bounds)
            except (KeyError, IndexError, AttributeError, TypeError):
                problems.append(
                    origins.problem(
                        where,
                        f"{field_path!r} is not a field of this "
                        "step with a value (write e.g. 'yield', "
                        "'cycle.mean', 'machines')",
                    )
                )
                continue
            except ValueError as error:
                problems.append(origins.problem(where, str(error)))
                continue
            field = ("steps", step_id, *parts)
            shown = _written(data["steps"][step_id], parts, base)
            if not low <= base <= high and any(
                field[:cut] in origins.overridden for cut in range(2, len(field) + 1)
            ):  # the override moved the value out of the file's range: blame the override
                line = origins.lines.get(where)
                problems.append(
                    origins.problem(
                        field,
                        f"{shown} is outside the range {_fmt(bounds)} given for it in "
                        f"{origins.source}" + (f" line {line}" if line else "") + "; widen "
                        f"it, or set steps.{step_id}.ranges.{field_path} beside the value",
                    )
                )
            elif not low <= base <= high:
                problems.append(
                    origins.problem(
                        where,
                        f"the range {_fmt(bounds)} does not contain the base value {shown}",
                    )
                )
    return problems


def field_value(step: Step, parts: Iterable) -> float:
    """The numeric value at a dotted path inside a step (``cycle.mean`` -> hours).

    Raises ``KeyError``, ``IndexError`` or ``TypeError`` where there is no
    such number.

    Example:
        >>> step = Step.model_validate(
        ...     {"makes": {"cell": 1}, "cycle": {"dist": "exponential", "mean": "30 min"}})
        >>> field_value(step, ("cycle", "mean"))
        0.5
    """
    value: object = step
    for part in parts:
        if isinstance(part, int) or isinstance(value, dict):
            value = value[part]
        else:
            name = "yield_" if part == "yield" else part
            if name not in type(value).model_fields:
                raise KeyError(part)
            value = getattr(value, name)
    if isinstance(value, models.Constant):
        value = value.value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(field_value)
    return float(value)


def _range_bound(raw_step: dict, parts: tuple, bound: object) -> float:
    # A bound is validated exactly as if it were written in the field itself.
    # Only the field's own top-level entry is kept beside the required ones,
    # so a step with long lists does not cost a full validation per bound.
    first = parts[0]
    trial = {"makes": raw_step["makes"], "cycle": "1 h"}
    if first in raw_step:
        trial[first] = copy.deepcopy(raw_step[first])
    node = trial
    for part in parts[:-1]:
        node = node[part]
    if isinstance(node, str | int | float) and parts[-1] == "value":
        written = ".".join(str(part) for part in parts[:-1])
        raise ValueError(
            f"{written!r} is written as a plain duration; put the range on {written!r}"
        )
    node[parts[-1]] = bound
    try:
        return field_value(Step.model_validate(trial), parts)
    except ValidationError as error:
        label = "an empty bound" if bound is None else f"bound {show(bound)}"
        raise ValueError(f"{label}: {message(error.errors()[0])}") from None


def _written(raw_step: dict, parts: tuple, base: float) -> str:
    """The field's value as the planner wrote it ("70 s"), else the number."""
    node: object = raw_step
    for part in parts:
        in_list = isinstance(node, list) and isinstance(part, int) and part < len(node)
        if not (in_list or (isinstance(node, dict) and part in node)):
            return f"{base:g}"
        node = node[part]
    return node.strip() if isinstance(node, str) else f"{base:g}"


def _fmt(bounds) -> str:
    return "[" + ", ".join(str(b) for b in bounds) + "]"
