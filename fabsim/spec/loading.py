"""Load a spec file: YAML -> overrides -> validation -> checks across fields.

Every problem found on the way becomes a :class:`~fabsim.spec.errors.Problem`
naming the file, the line and the field path, so the planner can go straight
to what they got wrong. The steps live in their own modules (``yaml_source``,
``overrides``, ``pydantic_errors``, ``flow_check``, ``phenomena_check``,
``range_check``); this one runs them in order.

Example:
    >>> spec = load_spec("three_step", overrides=["steps.stacking.machines=6"])
    >>> spec.steps["stacking"].machines
    6
"""

from __future__ import annotations

import copy
import os
from collections.abc import Sequence

from pydantic import ValidationError

from fabsim.spec.catalog import looks_like_a_name, resolve, unknown_line
from fabsim.spec.design_check import check_design
from fabsim.spec.errors import Problem, SpecError
from fabsim.spec.flow_check import check_flow
from fabsim.spec.models import LineSpec
from fabsim.spec.origins import Origins
from fabsim.spec.overrides import apply_override, override_source
from fabsim.spec.phenomena_check import check_phenomena
from fabsim.spec.pydantic_errors import error_path, node_at, problem, show
from fabsim.spec.range_check import check_ranges
from fabsim.spec.scenarios import apply_scenario, split_scenario
from fabsim.spec.yaml_source import Lines, read_yaml_file_text, read_yaml_text


def load_spec(path: str, overrides: Sequence[str] = (), scenario: str = "") -> LineSpec:
    """Read, override and check one spec; return the validated :class:`LineSpec`.

    ``path`` is a file, or the name of a shipped line (``"semi_solid"``);
    ``LINE@SCENARIO`` (or ``scenario=``) applies one of its ``scenarios:``
    before the ``--set`` overrides. Raises :class:`SpecError` listing every
    problem found.

    Example:
        >>> load_spec("semi_solid").product.item
        'cell'
    """
    path, named = split_scenario(path)
    if named and scenario and named != scenario:
        raise SpecError(
            [Problem(path, None, "", f"names scenario {named!r} and --scenario {scenario!r}")]
        )
    source = resolve(path)
    if source == path and looks_like_a_name(path) and not os.path.exists(path):
        raise SpecError([Problem(path, None, "", unknown_line(path))])
    data, lines, text = read_yaml_file_text(source)
    spec = _build(data, lines, source, overrides, named or scenario)
    spec._text = text
    return spec


def load_spec_text(
    text: str,
    source: str = "<text>",
    overrides: Sequence[str] = (),
    scenario: str = "",
    *,
    experiment: bool = False,
) -> LineSpec:
    """Like :func:`load_spec` for YAML already in memory (tests, notebooks).

    ``experiment=True`` loads a variant an experiment runs (a sweep point, a
    break-even value): it may leave the ``ranges:`` of the file, which
    describe the estimate, not a limit, and the file's scenarios are not
    checked again.

    Example:
        >>> spec = load_spec_text("{line: Example, product: {item: cell, energy: 0.2 kWh}, "
        ...                       "steps: {press: {makes: {cell: 1}, cycle: 1 h}}}")
        >>> spec.steps["press"].cycle.value
        1.0
    """
    data, lines = read_yaml_text(text, source)
    spec = _build(
        data,
        lines,
        source,
        overrides,
        scenario,
        check_scenarios=not experiment,
        within_ranges=not experiment,
    )
    spec._text = text
    return spec


def _build(
    data: object,
    lines: Lines,
    source: str,
    overrides: Sequence[str],
    scenario: str = "",
    *,
    check_scenarios: bool = True,
    within_ranges: bool = True,
) -> LineSpec:
    origins = Origins(source, lines)
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
    if scenario:
        origins.overridden.update(apply_scenario(data, lines, source, scenario))
    for text in overrides:
        origins.overridden[apply_override(data, text)] = override_source(text)
    try:
        spec = LineSpec.model_validate(data)
    except ValidationError as error:
        problems = [problem(e, data, origins) for e in error.errors()]
        unknown = any(e["type"] in ("extra_forbidden", "invalid_key") for e in error.errors())
        # An unknown field may be a misspelt 'uses' or 'makes': the flow it
        # would imply is unknown, so only the field errors are reported then.
        partial = (
            None
            if unknown
            else _without_bad_fields(data, [error_path(e, data) for e in error.errors()])
        )
        if partial is not None:  # field and flow errors in one pass
            seen = {(p.line, p.path) for p in problems}
            problems += [p for p in check_flow(partial, origins) if (p.line, p.path) not in seen]
        raise SpecError(problems) from None
    problems = (
        check_flow(spec, origins)
        or check_phenomena(spec, origins)
        or (check_ranges(spec, data, origins) if within_ranges else [])
        or check_design(spec, origins)
    )
    if not problems and check_scenarios and not scenario:
        problems = _check_scenarios(spec, data, lines, source)
    if problems:
        raise SpecError(problems)
    spec._source = source
    spec._overrides = tuple(overrides)
    spec._scenario = scenario
    return spec


def _check_scenarios(spec: LineSpec, data: dict, lines: Lines, source: str) -> list[Problem]:
    """Every scenario of the file applies cleanly: its problems, at the scenario's lines."""
    problems: list[Problem] = []
    for name in spec.scenarios:
        try:
            _build(data, lines, source, (), name, check_scenarios=False)
        except SpecError as error:
            problems += error.problems
    return problems


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
        parent = node_at(trial, path[:-1])
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


def _kind(value: object) -> str:
    """What the top of a spec holds when it is not a mapping, in words."""
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f"the text {show(value)}"
    if value is None:
        return "an empty value"
    return f"the value {show(value)}"
