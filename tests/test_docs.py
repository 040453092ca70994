"""The spec reference in docs/index.md stays in step with the JSON Schema."""

from __future__ import annotations

import re

from fabsim.spec.models import LineSpec


def test_every_schema_field_is_documented():
    with open("docs/index.md", encoding="utf-8") as handle:
        text = handle.read()
    schema = LineSpec.model_json_schema(by_alias=True)
    blocks = {"top": schema["properties"]} | {
        name: d.get("properties", {}) for name, d in schema["$defs"].items()
    }
    missing = [
        f"{block}.{field}"
        for block, properties in blocks.items()
        for field in properties
        if f"`{field}`" not in text
    ]
    assert missing == []
    # and nothing documented as a field that the schema does not have
    documented = set(re.findall(r"^\| `(\w+)` \|", text, flags=re.MULTILINE))
    known = {field for properties in blocks.values() for field in properties}
    known |= {
        "constant",
        "exponential",
        "normal",
        "lognormal",
        "triangular",
        "uniform",
        "empirical",
    }
    assert documented - known == set()
