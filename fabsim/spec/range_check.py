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
from fabsim.spec.overrides import field_path as parts_of
from fabsim.spec.pydantic_errors import message, show
from fabsim.spec.suggest import did_you_mean


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
        raw = data["steps"][step_id]
        for field_path, bounds in step.ranges.items():
            problems += _check_entry(
                ("steps", step_id),
                step,
                field_path,
                bounds,
                lambda parts, bound, raw=raw: _range_bound(raw, parts, bound),
                raw,
                origins,
                f"steps.{step_id}.ranges.{field_path}",
            )
    for path, bounds in spec.ranges.items():
        problems += _check_line_entry(spec, data, path, bounds, origins)
    return problems


# Line-level blocks a top-level ``ranges:`` entry may reach into: keyed ones
# (a name, then the field) and single ones; steps keep their own ranges.
_KEYED = ("disturbances", "supplies", "buffers")
_SINGLE = ("calendar", "costs", "cell", "run")


def _check_line_entry(spec, data, path: str, bounds, origins: Origins) -> list[Problem]:
    where = ("ranges", path)
    parts = parts_of(path)
    head = parts[0]
    if head == "buffers" and len(parts) == 2:  # "buffers.stack" is its capacity
        path, parts = f"{path}.capacity", (*parts, "capacity")
    if head in _KEYED and len(parts) >= 3 and parts[1] in getattr(spec, head):
        owner, owner_obj, rest = parts[:2], getattr(spec, head)[parts[1]], path.split(".", 2)[2]
    elif head in _SINGLE and len(parts) >= 2 and getattr(spec, head) is not None:
        owner, owner_obj, rest = parts[:1], getattr(spec, head), path.split(".", 1)[1]
    else:
        hint = (
            "put a step's range on the step (steps.NAME.ranges)"
            if head == "steps"
            else "write e.g. 'disturbances.dry_room.every.mean', 'supplies.li2s.lot', "
            "'costs.labour', 'calendar.maintenance.0.length'"
        )
        return [
            origins.problem(where, f"{path!r} is not a field of this line with a value ({hint})")
        ]
    raw = node_of(data, owner)
    model = type(owner_obj)

    def bound_value(rest_parts, bound):
        return _block_bound(model, raw, rest_parts, bound)

    return _check_entry(
        owner, owner_obj, rest, bounds, bound_value, raw, origins, f"ranges.{path}", where
    )


def _field_names(obj: object) -> list[str]:
    fields = getattr(type(obj), "model_fields", {})
    return [field.alias or name for name, field in fields.items()]


def node_of(data: dict, owner: tuple) -> object:
    node: object = data
    for part in owner:
        node = node[part]
    return node


def _check_entry(
    owner, obj, field_path, bounds, bound_value, raw, origins, range_path, where=None
) -> list[Problem]:
    """One range entry: a field of ``obj`` with a value, bounds valid for it, base inside."""
    where = where or (*owner, "ranges", field_path)
    parts = parts_of(field_path)
    try:
        base = field_value(obj, parts)
        low, high = (bound_value(parts, b) for b in bounds)
    except (KeyError, IndexError, AttributeError, TypeError):
        what = "this step" if owner[0] == "steps" else ".".join(map(str, owner))
        return [
            origins.problem(
                where,
                f"{field_path!r} is not a field of {what} with a value (write e.g. 'yield', "
                "'cycle.mean', 'machines')"
                if owner[0] == "steps"
                else f"{field_path!r} is not a field of {what} with a value"
                + did_you_mean(str(parts[0]), _field_names(obj)),
            )
        ]
    except ValueError as error:
        return [origins.problem(where, str(error))]
    field = (*owner, *parts)
    shown = _written(raw, parts, base)
    if not low <= base <= high and any(
        field[:cut] in origins.overridden for cut in range(1, len(field) + 1)
    ):  # the override moved the value out of the file's range: blame the override
        line = origins.lines.get(where)
        return [
            origins.problem(
                field,
                f"{shown} is outside the range {_fmt(bounds)} given for it in "
                f"{origins.source}" + (f" line {line}" if line else "") + "; widen "
                f"it, or set {range_path} beside the value",
            )
        ]
    if not low <= base <= high:
        return [
            origins.problem(
                where, f"the range {_fmt(bounds)} does not contain the base value {shown}"
            )
        ]
    return []


def _block_bound(model, raw_block: object, parts: tuple, bound: object) -> float:
    """A bound validated as if written in a line-level block's field."""
    trial = copy.deepcopy(raw_block)
    if model is models.BufferSpec and not isinstance(trial, dict):
        trial = {"capacity": trial}  # "stack: 40" is {capacity: 40}
    return _bound_in(model, trial, parts, bound)


def _bound_in(model, trial: dict, parts: tuple, bound: object) -> float:
    """``bound`` put in ``trial`` at ``parts``, validated by ``model``, read back as a number."""
    node = trial
    for part in parts[:-1]:
        node = node[part]
    node[parts[-1]] = bound
    try:
        return field_value(model.model_validate(trial), parts)
    except ValidationError as error:
        label = "an empty bound" if bound is None else f"bound {show(bound)}"
        raise ValueError(f"{label}: {message(error.errors()[0])}") from None


def field_value(step: object, parts: Iterable) -> float:
    """The numeric value at a dotted path inside a step or block (``cycle.mean`` -> hours).

    Raises ``KeyError``, ``IndexError`` or ``TypeError`` where there is no
    such number.

    Example:
        >>> step = Step.model_validate(
        ...     {"makes": {"cell": 1}, "cycle": {"dist": "exponential", "mean": "30 min"}})
        >>> field_value(step, ("cycle", "mean"))
        0.5
    """
    value = value_at(step, parts)
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
    if parts[-1] == "value" and isinstance(value_at(trial, parts[:-1]), str | int | float):
        written = ".".join(str(part) for part in parts[:-1])  # "cycle: 20 min" has no .value
        raise ValueError(
            f"{written!r} is written as a plain duration; put the range on {written!r}"
        )
    return _bound_in(Step, trial, parts, bound)


def value_at(block: object, parts: Iterable) -> object:
    """The value at a path of field names (``yield`` for ``yield_``), keys and positions.

    Raises ``KeyError``, ``IndexError`` or ``TypeError`` where there is none.

    Example:
        >>> value_at(Step.model_validate({"makes": {"cell": 1}, "cycle": "1 h"}), ("machines",))
        1
    """
    value: object = block
    for part in parts:
        if isinstance(part, int) or isinstance(value, dict):
            value = value[part]
        else:
            name = "yield_" if part == "yield" else part
            if name not in type(value).model_fields:
                raise KeyError(part)
            value = getattr(value, name)
    return value


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
