"""Load a spec file: YAML -> overrides -> validation -> flow checks.

Every problem found on the way becomes a :class:`~fabsim.spec.errors.Problem`
naming the file, the line and the field path, so the planner can go straight
to what they got wrong.

Example:
    >>> spec = load_spec("process_specs/examples/three_step.yaml",
    ...                  overrides=["steps.pack.machines=2"])  # doctest: +SKIP
    >>> spec.steps["pack"].machines                          # doctest: +SKIP
    2
"""

from __future__ import annotations

import copy
import difflib
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, ValidationError

from fabsim.spec import models
from fabsim.spec.catalog import resolve
from fabsim.spec.errors import Problem, SpecError
from fabsim.spec.flow import Flow
from fabsim.spec.models import LineSpec, Step
from fabsim.spec.overrides import apply_override, override_source
from fabsim.spec.yaml_source import Lines, read_yaml_file, read_yaml_text


def load_spec(path: str, overrides: Sequence[str] = ()) -> LineSpec:
    """Read, override and check one spec; return the validated :class:`LineSpec`.

    ``path`` is a file, or the name of a shipped line (``"semi_solid"``).
    Raises :class:`SpecError` listing every problem found.
    """
    source = resolve(path)
    data, lines = read_yaml_file(source)
    return _build(data, lines, source, overrides)


def load_spec_text(text: str, source: str = "<text>", overrides: Sequence[str] = ()) -> LineSpec:
    """Like :func:`load_spec` for YAML already in memory (tests, notebooks)."""
    data, lines = read_yaml_text(text, source)
    return _build(data, lines, source, overrides)


def _build(data: object, lines: Lines, source: str, overrides: Sequence[str]) -> LineSpec:
    origins = _Origins(source, lines)
    if not isinstance(data, dict):
        raise SpecError(
            [
                Problem(
                    source,
                    1,
                    "",
                    "a spec must be a mapping with 'line', "
                    f"'product' and 'steps', got {_kind(data)}",
                )
            ]
        )
    data = copy.deepcopy(data)
    for text in overrides:
        origins.overridden[apply_override(data, text)] = override_source(text)
    try:
        spec = LineSpec.model_validate(data)
    except ValidationError as error:
        problems = [_problem(e, data, origins) for e in error.errors()]
        unknown = any(e["type"] in ("extra_forbidden", "invalid_key") for e in error.errors())
        # An unknown field may be a misspelt 'uses' or 'makes': the flow it
        # would imply is unknown, so only the field errors are reported then.
        partial = (
            None
            if unknown
            else _without_bad_fields(data, [_error_path(e, data) for e in error.errors()])
        )
        if partial is not None:  # field and flow errors in one pass
            seen = {(p.line, p.path) for p in problems}
            problems += [p for p in check_flow(partial, origins) if (p.line, p.path) not in seen]
        raise SpecError(problems) from None
    problems = (
        check_flow(spec, origins)
        or check_phenomena(spec, origins)
        or check_ranges(spec, data, origins)
    )
    if problems:
        raise SpecError(problems)
    spec._source = source
    spec._overrides = tuple(overrides)
    return spec


_PLACEHOLDER = "1 h"  # stands in for a bad duration or distribution in the flow check
_FLOW_FIELDS = {"makes", "uses", "product", "line"}  # a bad one makes the flow unknown


def _without_bad_fields(data: dict, paths: list[tuple]) -> LineSpec | None:
    """The spec with each bad field dropped (or a placeholder), for the flow check only.

    Returns None when a bad field is one the flow depends on (what steps
    make and use), or when the spec still does not validate.
    """
    if any(not path or set(map(str, path)) & _FLOW_FIELDS for path in paths):
        return None
    if any(len(path) < 3 and path[:1] == ("steps",) for path in paths):
        return None
    trial = copy.deepcopy(data)
    for path in paths:
        parent = _node_at(trial, path[:-1])
        if isinstance(parent, dict) and path[-1] in parent:
            if path[-1] in ("cycle", "every", "duration", "time", "mtbf", "length"):
                parent[path[-1]] = _PLACEHOLDER
            else:
                del parent[path[-1]]
        elif isinstance(parent, list) and isinstance(path[-1], int) and path[-1] < len(parent):
            del parent[path[-1]]
    try:
        return LineSpec.model_validate(trial)
    except ValidationError:
        return None


class _Origins:
    """Where each field came from: a line of the file, or a ``--set`` option."""

    def __init__(self, source: str, lines: Lines):
        self.source, self.lines, self.overridden = source, lines, {}

    def problem(self, path: tuple, message: str) -> Problem:
        dotted = ".".join(str(p) for p in path)
        for cut in range(len(path), -1, -1):
            if path[:cut] in self.overridden:
                return Problem(self.overridden[path[:cut]], None, dotted, message)
            if path[:cut] in self.lines:
                return Problem(self.source, self.lines[path[:cut]], dotted, message)
        return Problem(self.source, None, dotted, message)


# --- pydantic errors in the planner's words ---------------------------------


@lru_cache(maxsize=1)
def _field_names() -> frozenset[str]:
    """Every field name of the spec models, for "did you mean" hints."""
    return frozenset(
        field.alias or name
        for model in vars(models).values()
        if isinstance(model, type) and issubclass(model, models.SpecModel)
        for name, field in model.model_fields.items()
    )


def _error_path(error: dict, data: object) -> tuple:
    """Where in the YAML a pydantic error lies (a check across fields names its field)."""
    path = _yaml_path(error["loc"], data)
    cause = (error.get("ctx") or {}).get("error")
    if isinstance(cause, models.FieldError):
        path = (*path, cause.field)
    return path


def _problem(error: dict, data: object, origins: _Origins) -> Problem:
    path = _error_path(error, data)
    if error["type"] in ("extra_forbidden", "invalid_key"):
        return origins.problem(path, _unknown_field(path, data))
    if error["type"] in _NOT_A_MAPPING and _is_distribution(path):
        return origins.problem(
            path,
            "expected a duration such as '45 s' or a distribution such as "
            f"{{dist: exponential, mean: 45 s}}, got {_show(error.get('input'))}",
        )
    return origins.problem(path, _message(error))


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
    parent = _node_at(data, path[:-1])
    model = _model_at(path[:-1], parent)
    if model is None:
        names = sorted(_field_names())
    else:
        names = [field.alias or name for name, field in model.model_fields.items()]
    if isinstance(parent, dict) and parent.get("dist") in models.DISTRIBUTIONS and model:
        takes = ", ".join(name for name in names if name != "dist")
        return f"unknown field for dist {parent['dist']!r} (it takes: {takes})"
    hint = difflib.get_close_matches(str(path[-1]), sorted(names), n=1)
    if hint:
        return f"unknown field (did you mean {hint[0]!r}?)"
    if model is not None and len(names) <= 10:
        return "unknown field (expected one of: " + ", ".join(names) + ")"
    return "unknown field"


def _node_at(data: object, path: tuple) -> object:
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


def _message(error: dict) -> str:
    """A pydantic error in the planner's words."""
    kind, given = error["type"], error.get("input")
    context = error.get("ctx") or {}
    if kind == "extra_forbidden":
        hint = difflib.get_close_matches(str(error["loc"][-1]), sorted(_field_names()), n=1)
        return "unknown field" + (f" (did you mean {hint[0]!r}?)" if hint else "")
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
        return f"expected a whole number, got {_show(given)}"
    if kind == "int_parsing_size":
        return f"expected a whole number, got {_show(given)}, which is far too large"
    if kind in ("float_parsing", "float_type"):
        return f"expected a number, got {_show(given)}"
    if kind == "finite_number":
        return f"expected a finite number, got {_show(given)}"
    if kind in ("string_type", "string_unicode"):
        return f"expected a text, got {_show(given)}"
    if kind in _NOT_A_MAPPING:
        return f"expected a mapping (key: value), got {_show(given)}"
    if kind in ("list_type", "tuple_type"):
        return f"expected a list, got {_show(given)}"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        words = {
            "greater_than_equal": "at least",
            "greater_than": "greater than",
            "less_than_equal": "at most",
            "less_than": "less than",
        }[kind]
        bound = next(iter(context.values()))
        return f"must be {words} {bound}, got {_show(given)}"
    if kind == "string_pattern_mismatch":
        return (
            f"{_show(given)} is not a valid name (letters, digits, '_' and '-', "
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
        return f"expected {context.get('expected', 'another value')}, got {_show(given)}"
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


def _show(value: object) -> str:
    """A value as the planner wrote it: ``'two'``, ``1.5``, ``true``, an empty value."""
    if value is None:
        return "an empty value"
    if isinstance(value, bool):
        return str(value).lower()
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _kind(value: object) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f"the text {_show(value)}"
    if value is None:
        return "an empty value"
    return f"the value {_show(value)}"


# --- checks across fields ----------------------------------------------------


def did_you_mean(word: str, choices) -> str:
    """`` (did you mean 'stack'?)`` for the closest choice, or ``""`` when none is close.

    Example:
        >>> did_you_mean("stak", ["stack", "press"])
        " (did you mean 'stack'?)"
    """
    hint = difflib.get_close_matches(word, sorted(choices), n=1)
    return f" (did you mean {hint[0]!r}?)" if hint else ""


def check_flow(spec: LineSpec, origins: _Origins) -> list[Problem]:
    """Items used but never made, dead ends, cycles, buffers too small to feed."""
    flow = Flow(spec)
    problems: list[Problem] = []
    product = spec.product.item
    dead_ends = sorted(item for item in flow.makers if item not in flow.users and item != product)
    suggested: set[str] = set()  # a typo shows once, not also as its consequences
    if product not in flow.makers:
        hint = difflib.get_close_matches(product, dead_ends, n=1) or (
            dead_ends if len(dead_ends) == 1 else []
        )
        suggested.update(hint[:1])
        suggestion = f" (did you mean {hint[0]!r}?)" if hint else ""
        problems.append(
            origins.problem(
                ("product", "item"), f"no step makes the product {product!r}{suggestion}"
            )
        )
    if product in flow.users:
        problems.append(
            origins.problem(
                ("product", "item"),
                f"the product {product!r} is used "
                f"by step {flow.users[product][0]!r}; the product "
                "must be the last item of the line",
            )
        )
    supplied = spec.supplied_items
    for item, users in flow.users.items():
        if item not in flow.makers and item not in supplied:
            hint = difflib.get_close_matches(item, sorted(flow.makers), n=1)
            suggestion = f" (did you mean {hint[0]!r}?)" if hint else ""
            suggested.update(hint)
            for user in users:
                problems.append(
                    origins.problem(
                        ("steps", user, "uses", item),
                        f"item {item!r} is used but no step makes it{suggestion}",
                    )
                )
    for item, makers in flow.makers.items():
        if item not in flow.users and item != product and item not in suggested:
            for maker in makers:
                problems.append(
                    origins.problem(
                        ("steps", maker, "makes", item),
                        f"item {item!r} is made but no step uses it "
                        f"and it is not the product ({product!r})",
                    )
                )
    for item in spec.buffers:
        capacity = spec.buffer_capacity(item)
        if item == product:
            problems.append(
                origins.problem(("buffers", item), "the product leaves the line; it has no buffer")
            )
        elif item not in flow.makers and item not in flow.users:
            suggestion = did_you_mean(item, flow.makers)
            problems.append(
                origins.problem(("buffers", item), f"no step makes or uses {item!r}{suggestion}")
            )
        else:
            for user in flow.users.get(item, []):
                step = spec.steps[user]
                need = step.uses[item] * step.smallest_take
                if need > capacity > 0:  # 0: linked directly, the user's infeed takes it
                    problems.append(
                        origins.problem(
                            ("buffers", item),
                            f"capacity {capacity:g} is less than the {need} that "
                            f"step {user!r} takes per cycle; the line would stop for good",
                        )
                    )
    introduced = {name for step in spec.steps.values() for name in step.defects}
    for step_id, step in spec.steps.items():
        for name in step.detects:
            if name not in introduced:
                problems.append(
                    origins.problem(
                        ("steps", step_id, "detects", name),
                        f"no step introduces the defect {name!r}",
                    )
                )
    if not problems:
        try:
            flow.order  # noqa: B018 - computing the order is the cycle check
        except ValueError as cycle:
            first = str(cycle).split(" -> ")[0]
            problems.append(
                origins.problem(("steps", first, "uses"), f"the flow has a cycle: {cycle}")
            )
    return problems


def check_phenomena(spec: LineSpec, origins: _Origins) -> list[Problem]:
    """Disturbances and supplies name steps, buffers and items the line has."""
    flow = Flow(spec)
    problems: list[Problem] = []
    steps = sorted(spec.steps)
    held = sorted(set(flow.makers) - {spec.product.item})
    for name, disturbance in spec.disturbances.items():
        for i, step_id in enumerate(disturbance.stops):
            if step_id not in spec.steps:
                problems.append(
                    origins.problem(
                        ("disturbances", name, "stops", i),
                        f"no step {step_id!r} to stop{did_you_mean(step_id, steps)}",
                    )
                )
        for item in disturbance.scraps:
            if item not in held and item not in spec.supplied_items:
                problems.append(
                    origins.problem(
                        ("disturbances", name, "scraps", item),
                        f"no buffer holds {item!r}{did_you_mean(item, held)}",
                    )
                )
    seen: dict[str, str] = {}
    for name, supply in spec.supplies.items():
        where = ("supplies", name, "item")
        if supply.item in flow.makers:
            maker = flow.makers[supply.item][0]
            problems.append(
                origins.problem(
                    where,
                    f"item {supply.item!r} is made by step {maker!r}; a supply "
                    "delivers a raw item that no step makes",
                )
            )
        elif supply.item not in flow.users:
            problems.append(
                origins.problem(where, f"no step uses {supply.item!r}, so nothing draws on it")
            )
        if supply.item in seen:
            problems.append(
                origins.problem(
                    where, f"item {supply.item!r} already comes from supply {seen[supply.item]!r}"
                )
            )
        seen.setdefault(supply.item, name)
        if supply.capacity is not None:
            for user in flow.users.get(supply.item, []):
                step = spec.steps[user]
                need = step.uses[supply.item] * step.smallest_take
                if need > supply.capacity:
                    problems.append(
                        origins.problem(
                            ("supplies", name, "capacity"),
                            f"capacity {supply.capacity} is less than the {need} that "
                            f"step {user!r} takes per cycle; the line would stop for good",
                        )
                    )
    for item, entry in spec.buffers.items():
        supplied_only = item in spec.supplied_items and item not in flow.makers
        if supplied_only and entry.max_dwell is not None:
            problems.append(
                origins.problem(
                    ("buffers", item, "max_dwell"),
                    f"{item!r} is kept in the store of supply "
                    f"{spec.supplied_items[item]!r}, which has no dwell limit "
                    "(dwell limits apply to buffers between steps)",
                )
            )
        if supplied_only and entry.capacity is not None:
            name = spec.supplied_items[item]
            problems.append(
                origins.problem(
                    ("buffers", item, "capacity"),
                    f"{item!r} is kept in the store of supply {name!r}; give its "
                    f"capacity as supplies.{name}.capacity",
                )
            )
    return problems


def check_ranges(spec: LineSpec, data: dict, origins: _Origins) -> list[Problem]:
    """Each ``ranges`` entry names a field, parses like it, and contains its base value."""
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
            if not low <= base <= high and any(
                field[:cut] in origins.overridden for cut in range(2, len(field) + 1)
            ):  # the override moved the value out of the file's range: blame the override
                line = origins.lines.get(where)
                problems.append(
                    origins.problem(
                        field,
                        f"{base:g} is outside the range {_fmt(bounds)} given for it in "
                        f"{origins.source}" + (f" line {line}" if line else ""),
                    )
                )
            elif not low <= base <= high:
                problems.append(
                    origins.problem(
                        where,
                        f"the range {_fmt(bounds)} does not contain the base value {base:g}",
                    )
                )
    return problems


def field_value(step: Step, parts: Iterable) -> float:
    """The numeric value at a dotted path inside a step (``cycle.mean`` -> hours)."""
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
        label = "an empty bound" if bound is None else f"bound {_show(bound)}"
        raise ValueError(f"{label}: {_message(error.errors()[0])}") from None


def _fmt(bounds) -> str:
    return "[" + ", ".join(str(b) for b in bounds) + "]"
