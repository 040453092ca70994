"""What ``--out DIR`` keeps so ``fabsim report DIR`` can show a run again without simulating.

``results.json`` holds, per line, the spec file's text as run, the file it
came from, its scenario and every override, the seed, and each
replication's raw numbers. Loading it rebuilds the very results objects the
run printed from, so the report equals the run's own summary, on any
machine with fabsim.

Example:
    >>> text = saved_text("run", [results])               # doctest: +SKIP
    >>> kind, loaded = load_saved(json.loads(text))      # doctest: +SKIP
"""

from __future__ import annotations

import json

from fabsim.sim.results import from_plain, to_plain
from fabsim.spec.errors import Problem, SpecError
from fabsim.spec.loading import load_spec_text
from fabsim.spec.models import LineSpec

FORMAT = 1
"""Version of the ``results.json`` layout."""


def _spec_record(spec: LineSpec) -> dict:
    return {
        "source": spec.source,
        "spec_text": spec.text or None,  # as read when the run started
        "scenario": spec.scenario,
        "overrides": list(spec.overrides),
        "scaling": list(spec._scaling),
    }


def saved_text(kind: str, lines: dict, seed: int, extra: dict | None = None) -> str:
    """The ``results.json`` text of a run, comparison or ramp-up.

    ``lines`` maps each line's name to ``(spec, runs)`` or, for a ramp-up,
    ``(spec, (new, mature))``.
    """
    records = []
    for name, (spec, runs) in lines.items():
        record = {"name": name, **_spec_record(spec)}
        if kind == "rampup":
            new, mature = runs
            record["new"] = [to_plain(r) for r in new]
            record["mature"] = [to_plain(r) for r in mature]
        else:
            record["runs"] = [to_plain(r) for r in runs]
        records.append(record)
    data = {"format": FORMAT, "kind": kind, "seed": seed, "lines": records, **(extra or {})}
    # Python's JSON keeps inf (an unlimited buffer) and every float exactly
    return json.dumps(data, allow_nan=True) + "\n"


def _spec(record: dict, where: str) -> LineSpec:
    if record.get("spec_text") is None:
        raise SpecError(
            [Problem(where, None, "", f"line {record['name']!r} was not run from a file")]
        )
    spec = load_spec_text(
        record["spec_text"],
        record["source"],
        [*record["scaling"], *record["overrides"]],
        record["scenario"],
    )
    spec._overrides, spec._scaling = tuple(record["overrides"]), tuple(record["scaling"])
    return spec


def load_saved(data: dict, where: str = "results.json"):
    """Rebuild the results: ``("run", LineResults)``, ``("compare", Comparison)`` or
    ``("rampup", RampupResults)``."""
    from fabsim.analysis.line_results import LineResults

    if data.get("format") != FORMAT:
        raise SpecError([Problem(where, None, "", "written by another version of fabsim")])
    kind, seed = data["kind"], data["seed"]
    if kind == "rampup":
        from fabsim.analysis.rampup import RampupResults

        (record,) = data["lines"]
        spec = _spec(record, where)
        new = [from_plain(r) for r in record["new"]]
        mature = [from_plain(r) for r in record["mature"]]
        return kind, RampupResults(spec.label, new, mature, seed)
    lines = {}
    for record in data["lines"]:
        runs = [from_plain(r) for r in record["runs"]]
        lines[record["name"]] = LineResults(_spec(record, where), runs, seed)
    if kind == "run":
        return kind, next(iter(lines.values()))
    from fabsim.analysis.comparison import Comparison

    comparison = Comparison(lines)
    comparison.equal, comparison.scaling = data.get("equal"), data.get("scaling")
    return kind, comparison
