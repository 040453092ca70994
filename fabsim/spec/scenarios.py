"""Named scenarios of a line (``pilot_2026``, ``mature_2030``): overrides kept in the file.

A scenario is a mapping of ``--set`` paths to values under ``scenarios:``.
``LINE@SCENARIO`` names a line in a scenario wherever a line is named
(``fabsim compare semi_solid all_solid_sulfide@pilot_2026``).

Example:
    >>> split_scenario("all_solid_sulfide@pilot_2026")
    ('all_solid_sulfide', 'pilot_2026')
    >>> split_scenario("semi_solid")
    ('semi_solid', '')
"""

from __future__ import annotations

import os

from fabsim.spec.errors import Problem, SpecError
from fabsim.spec.overrides import field_path, set_field
from fabsim.spec.suggest import did_you_mean
from fabsim.spec.yaml_source import Lines


def split_scenario(name: str) -> tuple[str, str]:
    """``LINE@SCENARIO`` -> (LINE, SCENARIO); a file whose name holds '@' is left whole."""
    if "@" not in name or os.path.exists(name):
        return name, ""
    line, _, scenario = name.rpartition("@")
    return line, scenario


def scenario_source(source: str, lines: Lines, name: str, path_text: str) -> str:
    """How a problem names a scenario's entry: ``FILE:LINE (scenario NAME)``."""
    line = lines.get(("scenarios", name, path_text)) or lines.get(("scenarios", name))
    where = f"{source}:{line}" if line else source
    return f"{where} (scenario {name})"


def apply_scenario(data: dict, lines: Lines, source: str, name: str) -> dict[tuple, str]:
    """Apply scenario ``name`` of raw spec ``data`` in place.

    Returns each path it set and how a problem there is reported. Raises
    :class:`SpecError` for an unknown scenario or a path that leads nowhere.
    """
    scenarios = data.get("scenarios")
    if not isinstance(scenarios, dict) or name not in scenarios:
        known = list(scenarios) if isinstance(scenarios, dict) else []
        listed = f" (scenarios: {', '.join(known)})" if known else " (it has no scenarios:)"
        raise SpecError(
            [
                Problem(
                    source,
                    None,
                    "",
                    f"no scenario {name!r}{did_you_mean(name, known)}{listed}",
                )
            ]
        )
    entries = scenarios[name]
    if not isinstance(entries, dict):
        return {}  # the model check reports a scenario that is not a mapping
    placed: dict[tuple, str] = {}
    for path_text, value in entries.items():
        where = scenario_source(source, lines, name, str(path_text))
        path = field_path(str(path_text))
        if not all(str(p) for p in path):
            raise SpecError([Problem(where, None, str(path_text), "is not a field path")])
        set_field(data, path, value, where)
        placed[path] = where
    return placed
