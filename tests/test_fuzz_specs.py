"""Fuzzing the spec loader: a broken spec is refused clearly, never with a crash.

Hypothesis takes the three-step example line and breaks it (deletes a key,
puts a value of another type somewhere, adds a key, writes a duration as
random text, duplicates or swaps entries, cuts the text short, inserts random
characters) and checks that loading either succeeds or raises
:class:`fabsim.spec.SpecError` whose every problem names the file and says
something; never any other exception, and never a hang (each example has a
deadline). ``--set`` options get the same treatment.

Profiles: ``ci`` (the default, a few hundred examples, well under a minute)
and ``long`` (thousands)::

    FABSIM_HYPOTHESIS_PROFILE=long pytest tests/test_fuzz_specs.py
"""

from __future__ import annotations

import copy
import os
from datetime import timedelta
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fabsim.spec import Flow, SpecError, load_spec_text
from fabsim.spec.units import _registry, parse_quantity

BASE_TEXT = (
    Path(__file__).resolve().parents[1] / "process_specs" / "examples" / "three_step.yaml"
).read_text(encoding="utf-8")
BASE_DATA = yaml.safe_load(BASE_TEXT)
SOURCE = "fuzz.yaml"

# Profiles are registered under their own names so that other test modules'
# "ci"/"long" profiles stay as they are; the variable picks one.
_COMMON = {
    "deadline": timedelta(seconds=3),
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.filter_too_much],
    "print_blob": True,
}
settings.register_profile("spec-fuzz-ci", max_examples=200, **_COMMON)
settings.register_profile("spec-fuzz-long", max_examples=5000, **_COMMON)
FUZZ = settings.get_profile(
    "spec-fuzz-" + os.environ.get("FABSIM_HYPOTHESIS_PROFILE", "ci").removeprefix("spec-fuzz-")
)

_registry()  # build pint's registry now, not inside a deadline ("1 s" no longer needs it)

# --- random YAML values ------------------------------------------------------

UNITS = ["s", "min", "h", "d", "ms", "m", "mm", "kWh", "kW", "m/min", "1/h", "", "foo", "%"]
NUMBERS = st.one_of(
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["0", "-0", "1e400", "1e-400", "1,5", "1'000", "10**10**10", "1:30", ".5"]),
)
QUANTITY_TEXT = st.one_of(
    st.builds(lambda n, u: f"{n} {u}".strip(), NUMBERS, st.sampled_from(UNITS)),
    st.text(alphabet="0123456789 .eE+-*/()^smhdkWin:,", max_size=16),
    st.text(max_size=12),
)
FIELD_NAMES = [
    "line", "description", "product", "run", "buffers", "steps", "item", "energy",
    "warmup", "horizon", "replications", "seed", "process", "uses", "makes", "machines",
    "cycle", "batch", "lot", "yield", "defects", "detects", "failures", "setup", "ranges",
    "size", "min", "max_wait", "mtbf", "mttr", "every", "time", "dist", "value", "mean",
    "sd", "cv", "low", "mode", "high", "values", "roll", "sheet", "cell", "cycle.mean",
]  # fmt: skip
KEYS = st.one_of(st.sampled_from(FIELD_NAMES), st.text(max_size=10), st.integers(-3, 3))
SCALARS = st.one_of(st.none(), st.booleans(), NUMBERS, QUANTITY_TEXT, st.sampled_from(FIELD_NAMES))
VALUES = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.sampled_from(FIELD_NAMES) | st.text(max_size=8), children, max_size=4),
    ),
    max_leaves=8,
)


# --- mutations of the parsed spec ---------------------------------------------


def paths(node: object, prefix: tuple = ()) -> list[tuple]:
    """Every place in the data: dict keys and list indices, depth first."""
    found = []
    if isinstance(node, dict):
        items = node.items()
    elif isinstance(node, list):
        items = enumerate(node)
    else:
        return found
    for key, child in items:
        found.append((*prefix, key))
        found.extend(paths(child, (*prefix, key)))
    return found


def containers(node: object, prefix: tuple = ()) -> list[tuple]:
    """Paths of every mapping and list (the root is ``()``)."""
    found = [prefix] if isinstance(node, dict | list) else []
    for path in paths(node, prefix):
        if isinstance(get(node, path[len(prefix) :]), dict | list):
            found.append(path)
    return found


def get(node: object, path: tuple) -> object:
    for part in path:
        node = node[part]
    return node


def type_name(value: object) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return "number"
    return type(value).__name__


@st.composite
def mutated_data(draw) -> object:
    data = copy.deepcopy(BASE_DATA)
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        data = draw(one_mutation(data))
    return data


# Weighted: most mutations keep the spec nearly whole, so that the checks
# behind the first one (flow, buffers, ranges) are reached too.
MUTATIONS = [
    *["delete"] * 4,
    *["retype"] * 5,
    *["insert"] * 3,
    *["duration"] * 6,
    *["duplicate"] * 2,
    *["swap"] * 3,
    "replace_root",
]


@st.composite
def one_mutation(draw, data: object) -> object:
    places = paths(data)[::-1]  # the simplest example changes the last step, not the name
    kind = draw(st.sampled_from(MUTATIONS))
    if kind == "replace_root" or not places:
        return draw(VALUES)
    if kind == "delete":
        path = draw(st.sampled_from(places))
        del get(data, path[:-1])[path[-1]]
    elif kind == "retype":
        path = draw(st.sampled_from(places))
        old = get(data, path)
        new = draw(VALUES.filter(lambda v: type_name(v) != type_name(old)))
        get(data, path[:-1])[path[-1]] = new
    elif kind == "insert":
        where = get(data, draw(st.sampled_from(containers(data))))
        if isinstance(where, dict):
            where[draw(KEYS)] = draw(VALUES)
        else:
            where.insert(draw(st.integers(0, len(where))), draw(VALUES))
    elif kind == "duration":
        texts = [p for p in places if isinstance(get(data, p), str)] or places
        path = draw(st.sampled_from(texts))
        get(data, path[:-1])[path[-1]] = draw(st.one_of(QUANTITY_TEXT, NUMBERS))
    elif kind == "duplicate":
        path = draw(st.sampled_from(places))
        parent, value = get(data, path[:-1]), copy.deepcopy(get(data, path))
        if isinstance(parent, dict):
            parent[f"{path[-1]}_copy" if draw(st.booleans()) else draw(KEYS)] = value
        else:
            parent.append(value)
    elif kind == "swap":
        first, second = draw(st.sampled_from(places)), draw(st.sampled_from(places))
        if first[: len(second)] != second and second[: len(first)] != first:
            a, b = get(data, first), get(data, second)
            get(data, first[:-1])[first[-1]] = b
            get(data, second[:-1])[second[-1]] = a
    return data


def dump(data: object) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000)


# --- mutations of the text --------------------------------------------------------


@st.composite
def mutated_text(draw) -> str:
    text = draw(st.one_of(st.just(BASE_TEXT), mutated_data().map(dump)))
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        kind = draw(st.sampled_from(["truncate", "insert", "duplicate_line", "delete_line"]))
        lines = text.splitlines(keepends=True)
        if kind == "truncate":
            text = text[: draw(st.integers(0, len(text)))]
        elif kind == "insert":
            at = draw(st.integers(0, len(text)))
            noise = draw(
                st.one_of(
                    st.text(max_size=5),
                    st.sampled_from(
                        ["\t", ":", "- ", "[", "{", "'", '"', "&a ", "*a", "<<: ", "!!"]
                    ),
                    st.text(alphabet=" \n\t:-[]{},#&*!|>'\"%@`", max_size=6),
                )
            )
            text = text[:at] + noise + text[at:]
        elif kind == "duplicate_line" and lines:
            at = draw(st.integers(0, len(lines) - 1))
            lines.insert(at, lines[at])
            text = "".join(lines)
        elif kind == "delete_line" and lines:
            del lines[draw(st.integers(0, len(lines) - 1))]
            text = "".join(lines)
    return text


# --- the properties -----------------------------------------------------------------


def check_loads_or_explains(text: str, overrides: tuple = ()) -> None:
    try:
        spec = load_spec_text(text, SOURCE, overrides)
    except SpecError as error:
        assert error.problems
        for problem in error.problems:
            assert problem.source == SOURCE or problem.source.startswith("--set "), problem
            assert problem.message.strip(), problem
        printed = str(error).splitlines()
        assert printed and all(line.startswith((SOURCE, "--set ")) for line in printed), printed
        return
    # An accepted spec is one the rest of fabsim can work with.
    flow = Flow(spec)
    assert set(flow.order) == set(spec.steps)
    assert flow.units_per_product[spec.product.item] == 1.0
    flow.unit_chain  # noqa: B018 - computing it must not fail


@FUZZ
@given(mutated_data().map(dump))
def test_mutated_spec_loads_or_is_refused_clearly(text):
    check_loads_or_explains(text)


@FUZZ
@given(mutated_text())
def test_mangled_text_loads_or_is_refused_clearly(text):
    check_loads_or_explains(text)


OVERRIDE_PATHS = [".".join(map(str, p)) for p in paths(BASE_DATA)] + [
    "steps.nosuch.machines",
    "steps.stacking.cycle.mean.x",
    "",
    ".",
    "steps..x",
    "run.seed",
]


@FUZZ
@given(
    st.lists(
        st.one_of(
            st.builds(
                lambda path, value: f"{path}={value}",
                st.sampled_from(OVERRIDE_PATHS),
                st.one_of(QUANTITY_TEXT, VALUES.map(lambda v: yaml.safe_dump(v).strip())),
            ),
            st.text(max_size=30),
        ),
        min_size=1,
        max_size=3,
    )
)
def test_set_options_load_or_are_refused_clearly(options):
    check_loads_or_explains(BASE_TEXT, tuple(options))


SIMPLE_UNITS = ["s", "min", "h", "d", "ms", "hour", "minutes", "days", "week", "us"]


@FUZZ
@given(
    st.one_of(
        st.integers(min_value=0, max_value=10**9).map(str),
        st.floats(min_value=0, max_value=1e9, allow_nan=False).map(repr),
        st.decimals(min_value=0, max_value=10**6, places=3).map(str),
    ),
    st.sampled_from(SIMPLE_UNITS),
    st.sampled_from([" ", ""]),
)
def test_quick_quantity_parse_equals_pint(number, unit, space):
    # "45 s" is read without pint (spec/units.py); the number must be pint's.
    text = f"{number}{space}{unit}"
    expected = float(_registry().Quantity(f"{number} {unit}").to("hour").magnitude)
    assert parse_quantity(text, "duration") == expected
