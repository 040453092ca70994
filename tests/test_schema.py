"""`fabsim schema` is what editors check specs with: it must accept every shipped line.

A standard JSON Schema validator (``jsonschema``) checks each shipped spec
and the example spec of the docs against the schema fabsim prints, and a
few bad specs must fail it where a schema can say so.
"""

from __future__ import annotations

import json
import subprocess
import sys

import jsonschema
import pytest
import yaml

from fabsim.spec.catalog import shipped


@pytest.fixture(scope="module")
def validator():
    printed = subprocess.run(
        [sys.executable, "-m", "fabsim", "schema"], capture_output=True, text=True, check=True
    )
    schema = json.loads(printed.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@pytest.mark.parametrize("name", sorted(shipped()))
def test_every_shipped_spec_is_valid_under_the_schema(validator, name):
    data = yaml.safe_load(shipped()[name].read_text())
    assert [error.message for error in validator.iter_errors(data)] == []


BASE = {
    "line": "schema check",
    "product": {"item": "cell", "energy": "0.2 kWh"},
    "buffers": {"part": 0, "stack": {"capacity": 40, "max_dwell": "48 h"}},
    "calendar": {"shifts": ["06:00-14:00"], "days_off": ["sun"]},
    "steps": {
        "a": {
            "makes": {"part": 1},
            "cycle": "1500 m / (30 m/min)",
            "setup": {"every": 10, "time": "1 h"},
        },
        "b": {
            "uses": {"part": 1},
            "makes": {"stack": 1},
            "cycle": {"dist": "exponential", "mean": "60 s"},
        },
        "c": {"uses": {"stack": 1}, "makes": {"cell": 1}, "cycle": "30 s", "yield": 0.98},
    },
}


def test_plain_durations_setups_and_buffer_shorthands_are_valid(validator):
    assert list(validator.iter_errors(BASE)) == []


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (lambda d: d.update(owner="me"), "unknown top-level key"),
        (lambda d: d["steps"]["c"].update({"yeld": 0.9}), "misspelt field"),
        (lambda d: d["steps"]["c"].update({"yield": 1.5}), "yield above 1"),
        (lambda d: d["steps"]["a"].update(cycle={"dist": "gamma", "mean": "1 h"}), "no such dist"),
        (lambda d: d["buffers"].update(part=-1), "negative capacity"),
    ],
)
def test_bad_specs_fail_the_schema(validator, change, why):
    data = json.loads(json.dumps(BASE))
    change(data)
    assert list(validator.iter_errors(data)), why


def docs_examples() -> list[tuple[str, int, object]]:
    """Every ```yaml block of docs/*.md: (file, block number, data)."""
    import pathlib
    import re

    found = []
    for path in sorted(pathlib.Path("docs").glob("*.md")):
        text = path.read_text(encoding="utf-8")
        for number, block in enumerate(re.findall(r"```yaml\n(.*?)```", text, re.S), start=1):
            found.append((path.name, number, yaml.safe_load(block)))
    return found


@pytest.mark.parametrize(("name", "number", "data"), docs_examples(), ids=lambda v: str(v)[:30])
def test_every_example_in_the_docs_is_valid_under_the_schema(validator, name, number, data):
    # A whole spec must be valid as it stands; a fragment (a block of a spec,
    # or a step's fields) must be valid where it goes, missing fields aside.
    if "line" in data:
        assert [e.message for e in validator.iter_errors(data)] == [], (name, number)
        return
    data = without_elisions(data)
    top = set(validator.schema["properties"])
    if set(data) <= top:
        placed = data
    elif set(data) <= set(validator.schema["$defs"]["Step"]["properties"]):
        placed = {"steps": {"example": data}}
    else:  # steps by name
        placed = {"steps": data}
    errors = [e.message for e in validator.iter_errors(placed) if e.validator != "required"]
    assert errors == [], (name, number)


def without_elisions(value: object) -> object:
    """A fragment with the docs' ``...`` (the rest of the block, left out) removed."""
    if isinstance(value, dict):
        return {k: without_elisions(v) for k, v in value.items() if k != "..."}
    return value
