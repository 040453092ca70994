"""Pydantic's validation errors in the planner's words, at the field they wrote.

Pydantic names a field by its internal location (union tags, validator
names, shorthands expanded) and describes it in its own terms; planners need
the path as written in their YAML and a message about what they typed.

Example:
    >>> print(message({"type": "int_parsing", "input": "two", "loc": ("machines",),
    ...                "msg": "Input should be a valid integer"}))
    expected a whole number, got 'two'
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import BaseModel

from fabsim.spec import models
from fabsim.spec.errors import Problem
from fabsim.spec.models import LineSpec, Step
from fabsim.spec.origins import Origins
from fabsim.spec.suggest import did_you_mean


@lru_cache(maxsize=1)
def _field_names() -> frozenset[str]:
    """Every field name of the spec models, for "did you mean" hints."""
    return frozenset(
        field.alias or name
        for model in vars(models).values()
        if isinstance(model, type) and issubclass(model, models.SpecModel)
        for name, field in model.model_fields.items()
    )


def error_path(error: dict, data: object) -> tuple:
    """Where in the YAML a pydantic error lies (a check across fields names its field).

    Example:
        >>> data = {"steps": {"press": {"cycle": "60"}}}
        >>> error_path({"loc": ("steps", "press", "cycle", "constant", "value")}, data)
        ('steps', 'press', 'cycle')
    """
    path = _yaml_path(error["loc"], data)
    cause = (error.get("ctx") or {}).get("error")
    if isinstance(cause, models.FieldError):
        path = (*path, cause.field)
    return path


def problem(error: dict, data: object, origins: Origins) -> Problem:
    """One pydantic error as a located :class:`Problem`.

    Example:
        >>> data = {"steps": {"press": {"machnes": 2}}}
        >>> error = {"type": "extra_forbidden", "loc": ("steps", "press", "machnes"),
        ...          "input": 2, "msg": "Extra inputs are not permitted"}
        >>> print(problem(error, data, Origins("line.yaml", {("steps", "press", "machnes"): 9})))
        line.yaml:9: steps.press.machnes: unknown field (did you mean 'machines'?)
    """
    path = error_path(error, data)
    if error["type"] in ("extra_forbidden", "invalid_key"):
        return origins.problem(path, _unknown_field(path, data))
    if error["type"] in _NOT_A_MAPPING and _is_distribution(path):
        return origins.problem(
            path,
            "expected a duration such as '45 s' or a distribution such as "
            f"{{dist: exponential, mean: 45 s}}, got {show(error.get('input'))}",
        )
    return origins.problem(path, message(error))


_NOT_A_MAPPING = ("dict_type", "model_type", "model_attributes_type")


_DISTRIBUTION_FIELDS = {
    ("steps", "*", "cycle"),
    ("steps", "*", "setup", "time"),
    ("disturbances", "*", "every"),
    ("disturbances", "*", "duration"),
    ("supplies", "*", "every"),
    ("supplies", "*", "disruption", "duration"),
}


def _shape(path: tuple) -> tuple:
    """A path with named entries as ``*`` and list positions as ``#``."""
    return tuple(
        "*" if i == 1 and path[0] in _NAMED else "#" if isinstance(part, int) else part
        for i, part in enumerate(path)
    )


def _is_distribution(path: tuple) -> bool:
    """Whether ``path`` is a duration-or-distribution field (cycle, setup, every, ...)."""
    return _shape(path) in _DISTRIBUTION_FIELDS


def _unknown_field(path: tuple, data: object) -> str:
    """'unknown field', with the likely intended name or the names allowed there."""
    parent = node_at(data, path[:-1])
    model = _model_at(path[:-1], parent)
    if model is None:
        names = sorted(_field_names())
    else:
        names = [field.alias or name for name, field in model.model_fields.items()]
    if isinstance(parent, dict) and parent.get("dist") in models.DISTRIBUTIONS and model:
        takes = ", ".join(name for name in names if name != "dist")
        return f"unknown field for dist {parent['dist']!r} (it takes: {takes})"
    suggestion = did_you_mean(path[-1], names)
    if suggestion:
        return "unknown field" + suggestion
    if model is not None and len(names) <= 13:
        return "unknown field (expected one of: " + ", ".join(names) + ")"
    return "unknown field"


def node_at(data: object, path: tuple) -> object:
    """The value at ``path`` inside nested mappings and lists, or None if there is none.

    Example:
        >>> node_at({"steps": {"press": {"failures": [{"mtbf": "40 h"}]}}},
        ...         ("steps", "press", "failures", 0, "mtbf"))
        '40 h'
        >>> node_at({"steps": {}}, ("steps", "press")) is None
        True
    """
    node = data
    for part in path:
        in_dict = isinstance(node, dict) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if not (in_dict or in_list):
            return None
        node = node[part]
    return node


_BLOCKS: dict[tuple, type[BaseModel]] = {
    (): LineSpec,
    ("product",): models.Product,
    ("run",): models.RunSettings,
    ("steps", "*"): Step,
    ("steps", "*", "batch"): models.Batch,
    ("steps", "*", "setup"): models.Setup,
    ("steps", "*", "failures", "#"): models.Failure,
    ("steps", "*", "ramp"): models.Ramp,
    ("steps", "*", "ramp", "yield"): models.YieldRamp,
    ("steps", "*", "ramp", "cycle"): models.CycleRamp,
    ("buffers", "*"): models.BufferSpec,
    ("calendar",): models.Calendar,
    ("calendar", "maintenance", "#"): models.Maintenance,
    ("disturbances", "*"): models.Disturbance,
    ("supplies", "*"): models.Supply,
    ("supplies", "*", "disruption"): models.Disruption,
}

_NAMED = ("steps", "buffers", "disturbances", "supplies")


def _model_at(path: tuple, node: object) -> type[BaseModel] | None:
    """The spec block written at ``path`` (None where the loader cannot tell)."""
    shape = _shape(path)
    if shape in _DISTRIBUTION_FIELDS:
        dist = node.get("dist") if isinstance(node, dict) else None
        if not isinstance(dist, str):
            return None
        for model in vars(models).values():
            if (
                isinstance(model, type)
                and issubclass(model, models.SpecModel)
                and "dist" in model.model_fields
                and model.model_fields["dist"].annotation == Literal[dist]
            ):
                return model
        return None
    return _BLOCKS.get(shape)


def message(error: dict) -> str:
    """A pydantic error in the planner's words.

    Example:
        >>> message({"type": "greater_than_equal", "ctx": {"ge": 1}, "input": 0,
        ...          "loc": ("machines",), "msg": "Input should be greater than or equal to 1"})
        'must be at least 1, got 0'
    """
    kind, given = error["type"], error.get("input")
    context = error.get("ctx") or {}
    if kind == "extra_forbidden":
        return "unknown field" + did_you_mean(error["loc"][-1], _field_names())
    if kind == "missing":
        return "required field is missing"
    if kind == "union_tag_invalid":
        return f"unknown distribution {context.get('tag')!r}; expected one of: " + ", ".join(
            models.DISTRIBUTIONS
        )
    if kind == "union_tag_not_found":
        return "a distribution needs 'dist' (one of: " + ", ".join(models.DISTRIBUTIONS) + ")"
    if kind == "value_error":
        return str(context.get("error", error["msg"]))
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"expected a whole number, got {show(given)}"
    if kind == "int_parsing_size":
        return f"expected a whole number, got {show(given)}, which is far too large"
    if kind in ("float_parsing", "float_type"):
        return f"expected a number, got {show(given)}"
    if kind == "finite_number":
        return f"expected a finite number, got {show(given)}"
    if kind in ("string_type", "string_unicode"):
        return f"expected a text, got {show(given)}"
    if kind in _NOT_A_MAPPING:
        return f"expected a mapping (key: value), got {show(given)}"
    if kind in ("list_type", "tuple_type"):
        return f"expected a list, got {show(given)}"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        words = {
            "greater_than_equal": "at least",
            "greater_than": "greater than",
            "less_than_equal": "at most",
            "less_than": "less than",
        }[kind]
        bound = next(iter(context.values()))
        return f"must be {words} {bound}, got {show(given)}"
    if kind == "string_pattern_mismatch":
        return (
            f"{show(given)} is not a valid name (letters, digits, '_' and '-', "
            "not starting with a digit)"
        )
    if kind == "too_long":
        return f"too many entries (at most {context.get('max_length')})"
    if kind == "too_short":
        return f"needs at least {context.get('min_length')} entr" + (
            "y" if context.get("min_length") == 1 else "ies"
        )
    if kind == "string_too_long":
        return f"too long (at most {context.get('max_length')} characters)"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "literal_error":
        return f"expected {context.get('expected', 'another value')}, got {show(given)}"
    return str(error["msg"])


def _yaml_path(loc: tuple, data: object) -> tuple:
    # pydantic's loc holds extras the planner never wrote (union tags such as
    # 'lognormal', validator names); keep only the keys of the YAML itself.
    path: list = []
    node = data
    shorthand = False
    for part in loc:
        if isinstance(node, dict) and part in node:
            path.append(part)
            node = node[part]
            continue
        if isinstance(part, str) and "[" in part:
            continue  # '[key]', 'function-after[...]'
        if isinstance(node, dict):
            if node.get("dist") == part:
                continue
            path.append(part)
            node = None
        elif isinstance(node, list) and isinstance(part, int):
            path.append(part)
            node = node[part] if part < len(node) else None
        elif isinstance(node, str | int | float) and part in models.DISTRIBUTIONS:
            shorthand = True  # "60 s" shorthand turned into {dist: constant, value: ...}
            continue
        elif isinstance(node, str | int | float) and shorthand and part == "value":
            continue  # the planner wrote no 'value'; the duration itself is at fault
        elif isinstance(node, str | int | float) and path[:1] == ["buffers"] and len(path) == 2:
            continue  # "stack: 40" shorthand turned into {capacity: 40}
        else:
            path.append(part)
            node = None
    return tuple(path)


def show(value: object) -> str:
    """A value as the planner wrote it: ``'two'``, ``1.5``, ``true``, an empty value.

    Example:
        >>> show("two"), show(True), show(None)
        ("'two'", 'true', 'an empty value')
    """
    if value is None:
        return "an empty value"
    if isinstance(value, bool):
        return str(value).lower()
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
