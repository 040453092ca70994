"""``--set PATH=VALUE``: change any field of a spec before it is validated.

Paths are dotted, relative to the top of the file; list items are numbered
from 0 (``steps.coating.failures.0.mtbf``). Values are read as YAML, so
``6`` is a number and ``{dist: exponential, mean: 60 s}`` a mapping. The
same paths serve sweeps.

Example:
    >>> data = {"steps": {"stacking": {"machines": 4}}}
    >>> apply_override(data, "steps.stacking.machines=6")
    ('steps', 'stacking', 'machines')
    >>> data["steps"]["stacking"]["machines"]
    6
"""

from __future__ import annotations

import yaml

from fabsim.spec.errors import Problem, SpecError
from fabsim.spec.suggest import did_you_mean
from fabsim.spec.yaml_source import read_yaml_value


def parse_override(text: str) -> tuple[tuple, object]:
    """Split ``PATH=VALUE`` into a path tuple and a YAML-parsed value."""
    source = override_source(text)
    if "=" not in text:
        raise SpecError(
            [Problem(source, None, "", "expected PATH=VALUE, e.g. steps.stacking.machines=6")]
        )
    path_text, value_text = text.split("=", 1)
    path_text = path_text.strip()
    if not path_text or any(not part for part in path_text.split(".")):
        raise SpecError([Problem(source, None, "", f"{path_text!r} is not a field path")])
    try:
        value = read_yaml_value(value_text, source) if value_text.strip() else ""
    except yaml.YAMLError:
        value = value_text  # not YAML: taken as plain text
    except SpecError as error:  # a limit of the YAML reader, e.g. nesting too deep
        raise SpecError(
            [Problem(source, None, path_text, problem.message) for problem in error.problems]
        ) from None
    return field_path(path_text), value


def field_path(text: str) -> tuple:
    """A dotted path as a tuple: list positions as ints, a ``ranges`` key kept whole.

    Example:
        >>> field_path("steps.coating.failures.0.mtbf")
        ('steps', 'coating', 'failures', 0, 'mtbf')
        >>> field_path("steps.stacking.ranges.cycle.mean")
        ('steps', 'stacking', 'ranges', 'cycle.mean')
    """
    parts = text.split(".")
    if "ranges" in parts[:-1]:  # range keys are themselves paths: "cycle.mean"
        cut = parts.index("ranges") + 1
        parts = [*parts[:cut], ".".join(parts[cut:])]
    return tuple(int(p) if p.isascii() and p.isdigit() else p for p in parts)


def apply_override(data: object, text: str) -> tuple:
    """Apply one ``PATH=VALUE`` to raw spec data in place; return the path.

    Every container on the path must already exist (a misspelt step is an
    error, not a new step); the last key may be new.
    """
    path, value = parse_override(text)
    set_field(data, path, value, override_source(text))
    return path


def set_field(data: object, path: tuple, value: object, source: str) -> None:
    """Set ``path`` in raw spec data to ``value``; problems are reported from ``source``.

    Example:
        >>> data = {"steps": {"stacking": {"yield": 0.97}}}
        >>> set_field(data, ("steps", "stacking", "yield"), 0.93, "pilot_2026")
        >>> data["steps"]["stacking"]["yield"]
        0.93
    """
    node = data
    for depth, key in enumerate(path[:-1]):
        node = _child(node, key, path[: depth + 1], source)
    last = path[-1]
    if isinstance(node, dict):
        node[last if not isinstance(last, int) else str(last)] = value
    elif isinstance(node, list) and isinstance(last, int) and last < len(node):
        node[last] = value
    else:
        where = ".".join(map(str, path[:-1]))
        raise SpecError(
            [
                Problem(
                    source,
                    None,
                    ".".join(map(str, path)),
                    f"cannot set a field inside {where}: it is {_kind(node)}, not a mapping",
                )
            ]
        )


def override_source(text: str) -> str:
    """How a problem names a ``--set`` option: as typed, a very long one cut short."""
    return f"--set {text}" if len(text) <= 100 else f"--set {text[:97]}..."


def _child(node: object, key, path: tuple, source: str) -> object:
    dotted = ".".join(map(str, path))
    if isinstance(node, dict):
        if key in node:
            return node[key]
        if str(key) in node:
            return node[str(key)]
        suggestion = did_you_mean(key, node)
        raise SpecError([Problem(source, None, dotted, f"no such field{suggestion}")])
    if isinstance(node, list):
        if isinstance(key, int) and key < len(node):
            return node[key]
        raise SpecError([Problem(source, None, dotted, f"no item {key} in a list of {len(node)}")])
    raise SpecError([Problem(source, None, dotted, f"cannot go inside {_kind(node)}")])


def _kind(node: object) -> str:
    if isinstance(node, list):
        return "a list"
    if node is None:
        return "an empty value"
    if isinstance(node, bool):
        return f"the value {str(node).lower()}"
    text = repr(node)
    return f"the value {text if len(text) <= 60 else text[:57] + '...'}"


def per_line_overrides(
    names: list[str], shared: list[str], by_position: dict[int, list[str]] | None = None
) -> list[list[str]]:
    """Split ``--set`` options among the lines of a comparison.

    ``PATH=VALUE`` applies to every line; ``LINE:PATH=VALUE`` only to the line
    named ``LINE`` (as given on the command line, or its 1-based position);
    ``by_position`` holds ``--set-a``/``--set-b`` options (0 = first line).

    Example:
        >>> per_line_overrides(["semi_solid", "all_solid_sulfide"],
        ...                    ["run.seed=3", "all_solid_sulfide:steps.stacking.machines=16"])
        [['run.seed=3'], ['run.seed=3', 'steps.stacking.machines=16']]
    """
    result: list[list[str]] = [[] for _ in names]
    stems = [_stem(name) for name in names]
    for text in shared:
        target, sep, rest = text.partition("=")[0].partition(":")
        if not sep:
            for overrides in result:
                overrides.append(text)
            continue
        override = text[len(target) + 1 :]
        matches = [
            i
            for i, name in enumerate(names)
            if target in (name, stems[i]) or (target.isdigit() and int(target) == i + 1)
        ]
        if len(matches) != 1:
            known = ", ".join(dict.fromkeys(stems))
            why = (
                "names no line"
                if not matches
                else "names more than one line (use its position, 1, 2, ...)"
            )
            raise SpecError(
                [
                    Problem(
                        override_source(text),
                        None,
                        "",
                        f"{target!r} {why} of this comparison (lines: {known})",
                    )
                ]
            )
        result[matches[0]].append(override)
    for position, texts in (by_position or {}).items():
        if position >= len(names):
            raise SpecError(
                [Problem(override_source(texts[0]), None, "", f"there is no line {position + 1}")]
            )
        result[position].extend(texts)
    return result


def _stem(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return base.removesuffix(".yaml").removesuffix(".yml")
