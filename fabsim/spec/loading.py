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

from pydantic import BaseModel, ValidationError

from fabsim.spec import models
from fabsim.spec.catalog import resolve
from fabsim.spec.errors import Problem, SpecError
from fabsim.spec.flow import Flow
from fabsim.spec.models import LineSpec, Step
from fabsim.spec.overrides import apply_override
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
                    f"'product' and 'steps', got {type(data).__name__}",
                )
            ]
        )
    data = copy.deepcopy(data)
    for text in overrides:
        origins.overridden[apply_override(data, text)] = f"--set {text}"
    try:
        spec = LineSpec.model_validate(data)
    except ValidationError as error:
        raise SpecError([_problem(e, data, origins) for e in error.errors()]) from None
    problems = check_flow(spec, origins) or check_ranges(spec, data, origins)
    if problems:
        raise SpecError(problems)
    spec._source = source
    return spec


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


def _field_names() -> set[str]:
    names: set[str] = set()
    stack: list[type[BaseModel]] = [LineSpec]
    seen: set[type] = set()
    while stack:
        model = stack.pop()
        if model in seen:
            continue
        seen.add(model)
        for name, field in model.model_fields.items():
            names.add(field.alias or name)
        stack.extend(
            m
            for m in vars(models).values()
            if isinstance(m, type) and issubclass(m, models.SpecModel)
        )
    return names


def _problem(error: dict, data: object, origins: _Origins) -> Problem:
    path = _yaml_path(error["loc"], data)
    kind, given = error["type"], error.get("input")
    context = error.get("ctx") or {}
    if kind == "extra_forbidden":
        hint = difflib.get_close_matches(str(path[-1]), sorted(_field_names()), n=1)
        message = "unknown field" + (f" (did you mean {hint[0]!r}?)" if hint else "")
    elif kind == "missing":
        message = "required field is missing"
    elif kind == "union_tag_invalid":
        message = f"unknown distribution {context.get('tag')!r}; expected one of: " + ", ".join(
            models.DISTRIBUTIONS
        )
    elif kind == "union_tag_not_found":
        message = "a distribution needs 'dist' (one of: " + ", ".join(models.DISTRIBUTIONS) + ")"
    elif kind == "value_error":
        message = str(context.get("error", error["msg"]))
    elif kind in ("int_parsing", "int_type", "int_from_float"):
        message = f"expected a whole number, got {_show(given)}"
    elif kind in ("float_parsing", "float_type"):
        message = f"expected a number, got {_show(given)}"
    elif kind in ("string_type",):
        message = f"expected a text, got {_show(given)}"
    elif kind in ("dict_type", "model_type", "model_attributes_type"):
        message = f"expected a mapping (key: value), got {_show(given)}"
    elif kind in ("list_type", "tuple_type"):
        message = f"expected a list, got {_show(given)}"
    elif kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        words = {
            "greater_than_equal": "at least",
            "greater_than": "greater than",
            "less_than_equal": "at most",
            "less_than": "less than",
        }[kind]
        bound = next(iter(context.values()))
        message = f"must be {words} {bound}, got {_show(given)}"
    elif kind == "string_pattern_mismatch":
        message = (
            f"{_show(given)} is not a valid name (letters, digits, '_' and '-', "
            "not starting with a digit)"
        )
    elif kind == "too_long":
        message = f"too many entries (at most {context.get('max_length')})"
    elif kind == "too_short":
        message = f"needs at least {context.get('min_length')} entr" + (
            "y" if context.get("min_length") == 1 else "ies"
        )
    elif kind == "string_too_long":
        message = f"too long (at most {context.get('max_length')} characters)"
    elif kind == "string_too_short":
        message = "must not be empty"
    else:
        message = error["msg"]
    return origins.problem(path, message)


def _yaml_path(loc: tuple, data: object) -> tuple:
    # pydantic's loc holds extras the planner never wrote (union tags such as
    # 'lognormal', validator names); keep only the keys of the YAML itself.
    path: list = []
    node = data
    for part in loc:
        if isinstance(part, str) and "[" in part:
            continue
        if isinstance(node, dict):
            if part in node:
                path.append(part)
                node = node[part]
                continue
            if node.get("dist") == part:
                continue
            path.append(part)
            node = None
        elif isinstance(node, list) and isinstance(part, int):
            path.append(part)
            node = node[part] if part < len(node) else None
        elif isinstance(node, str | int | float) and part in models.DISTRIBUTIONS:
            continue  # "60 s" shorthand turned into {dist: constant, ...}
        else:
            path.append(part)
            node = None
    return tuple(path)


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# --- checks across fields ----------------------------------------------------


def check_flow(spec: LineSpec, origins: _Origins) -> list[Problem]:
    """Items used but never made, dead ends, cycles, buffers too small to feed."""
    flow = Flow(spec)
    problems: list[Problem] = []
    product = spec.product.item
    if product not in flow.makers:
        problems.append(
            origins.problem(("product", "item"), f"no step makes the product {product!r}")
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
    suggested: set[str] = set()  # a typo shows once, as "used but never made"
    for item, users in flow.users.items():
        if item not in flow.makers:
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
    for item, capacity in spec.buffers.items():
        if item == product:
            problems.append(
                origins.problem(("buffers", item), "the product leaves the line; it has no buffer")
            )
        elif item not in flow.makers and item not in flow.users:
            hint = difflib.get_close_matches(item, sorted(flow.makers), n=1)
            suggestion = f" (did you mean {hint[0]!r}?)" if hint else ""
            problems.append(
                origins.problem(("buffers", item), f"no step makes or uses {item!r}{suggestion}")
            )
        else:
            for user in flow.users.get(item, []):
                step = spec.steps[user]
                need = step.uses[item] * step.smallest_take
                if need > capacity:
                    problems.append(
                        origins.problem(
                            ("buffers", item),
                            f"capacity {capacity} is less than the {need} that "
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


def check_ranges(spec: LineSpec, data: dict, origins: _Origins) -> list[Problem]:
    """Each ``ranges`` entry names a field, parses like it, and contains its base value."""
    problems: list[Problem] = []
    for step_id, step in spec.steps.items():
        for field_path, bounds in step.ranges.items():
            where = ("steps", step_id, "ranges", field_path)
            parts = tuple(int(p) if p.isdigit() else p for p in field_path.split("."))
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
            if not low <= base <= high:
                problems.append(
                    origins.problem(
                        where,
                        f"the range {_fmt(bounds)} does not "
                        f"contain the base value {_fmt_value(base, low)}",
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
    trial = copy.deepcopy(raw_step)
    trial.pop("ranges", None)
    node = trial
    for part in parts[:-1]:
        node = node[part]
    if isinstance(node, str) and parts[-1] == "value":
        raise KeyError(parts[-1])
    node[parts[-1]] = bound
    try:
        return field_value(Step.model_validate(trial), parts)
    except ValidationError as error:
        first = error.errors()[0]
        message = str((first.get("ctx") or {}).get("error", first["msg"]))
        raise ValueError(f"bound {bound!r}: {message}") from None


def _fmt(bounds) -> str:
    return "[" + ", ".join(str(b) for b in bounds) + "]"


def _fmt_value(value: float, like: float) -> str:
    return f"{value:g}"
