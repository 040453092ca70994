"""The quick reader of quantity texts gives pint's very float, or leaves the text to pint.

``fabsim.spec.units._read`` reads the common texts ("45 s", "2.5h",
"1500 m / (35 m/min)") without importing pint. Pint stays the authority: for
every text the reader accepts, the float must be pint's, bit for bit, or
simulation results would move; every other text goes to pint unchanged.
"""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fabsim.spec.units import _FACTORS, _KINDS, _UNIT_NAMES, _read, _registry, parse_quantity

ROOT = Path(__file__).resolve().parents[1]
UREG = _registry()  # pint's registry, built now rather than inside a test's deadline


def pint_reads(text: str, kind: str) -> float | None:
    """What pint makes of ``text`` as a ``kind``: the float in hours or kWh, else None."""
    unit = _KINDS[kind][0]
    try:
        quantity = UREG.Quantity(text)
        if not isinstance(quantity, UREG.Quantity):
            return None
        if quantity.dimensionality != UREG.Quantity(1, unit).dimensionality:
            return None
        value = float(quantity.to(unit).magnitude)
    except Exception:  # pint raises many types for bad text
        return None
    return value if math.isfinite(value) else None


def same_float(a: float, b: float) -> bool:
    return a.hex() == b.hex()


# --- the unit table ----------------------------------------------------------


@pytest.mark.parametrize("name", sorted(_UNIT_NAMES))
def test_each_unit_name_is_pints_unit(name):
    assert UREG.get_name(name) == _UNIT_NAMES[name]


@pytest.mark.parametrize(
    ("kind", "unit"), [(kind, unit) for kind, table in _FACTORS.items() for unit in table]
)
def test_each_factor_is_pints_exactly(kind, unit):
    # the number pint converts with, int or float: Quantity(1, unit).to(base) = 1 * factor
    expected = UREG.Quantity(1, unit).to(_KINDS[kind][0]).magnitude
    factor = _FACTORS[kind][unit]
    assert type(factor) is type(expected)
    assert factor == expected


def test_every_name_of_a_kind_has_its_factor_and_the_others_none():
    for name, unit in _UNIT_NAMES.items():
        for kind, (base, _, _) in _KINDS.items():
            of_kind = UREG.Quantity(1, name).dimensionality == UREG.Quantity(1, base).dimensionality
            assert (unit in _FACTORS[kind]) == of_kind, (name, kind)


# --- every quantity in the shipped specs and the docs --------------------------


def _strings(node):
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _strings(key)
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)


def _yaml_strings(text: str) -> list[str]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return []
    return list(_strings(data))


def spec_texts() -> set[str]:
    """Every string in every shipped spec file."""
    return {
        s.strip()
        for path in sorted((ROOT / "process_specs").rglob("*.yaml"))
        for s in _yaml_strings(path.read_text(encoding="utf-8"))
    }


def doc_texts() -> set[str]:
    """Code spans, quoted texts and YAML values in the docs and the README."""
    found = set()
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = path.read_text(encoding="utf-8")
        pieces = re.findall(r"`([^`\n]+)`", text)
        pieces += re.findall(r"'([^'\n]{1,80})'", text) + re.findall(r'"([^"\n]{1,80})"', text)
        pieces += re.findall(r"```ya?ml\n(.*?)```", text, flags=re.DOTALL)
        for piece in pieces:
            found.add(piece.strip())
            found.update(s.strip() for s in _yaml_strings(piece))
            found.update(p.strip() for p in re.split(r"--\w+|[:=,\[\]{}]", piece))
    return {t for t in found if t and len(t) <= 200}


SHIPPED = sorted(spec_texts())
DOCUMENTED = sorted(doc_texts())


@pytest.mark.parametrize("kind", sorted(_KINDS))
def test_every_shipped_and_documented_quantity_reads_as_pint_does(kind):
    read = 0
    for text in sorted(set(SHIPPED) | set(DOCUMENTED)):
        quick, pint_value = _read(text, kind), pint_reads(text, kind)
        if quick is not None:
            assert pint_value is not None, text
            assert same_float(quick, pint_value), (text, quick, pint_value)
            read += 1
    assert read >= {"duration": 60, "energy": 3}[kind]


def test_the_reader_reads_every_quantity_the_shipped_specs_use():
    # the quantities in the shipped specs, as pint would read them
    for text in SHIPPED:
        for kind in _KINDS:
            if pint_reads(text, kind) is not None:
                assert _read(text, kind) is not None, (text, kind)


def test_the_reader_reads_the_documented_forms():
    for text in ["45 s", "20 min", "2.5 h", "14 d", "30d", "26 weeks", "1 week", "12 h"]:
        assert same_float(_read(text, "duration"), pint_reads(text, "duration")), text
    for text in ["1500 m / (35 m/min)", "1500 m / (40 m/min)", "1000 m / (12 m/min)"]:
        assert same_float(_read(text, "duration"), pint_reads(text, "duration")), text
    for text in ["0.222 kWh", "0.365 kWh", "365 Wh", "1.2 MJ"]:
        assert same_float(_read(text, "energy"), pint_reads(text, "energy")), text


def test_loading_the_shipped_specs_does_not_import_pint():
    code = (
        "import sys\n"
        "from fabsim.spec import load_spec\n"
        "from fabsim.spec.catalog import shipped\n"
        "for path in shipped().values(): load_spec(str(path))\n"
        "load_spec('process_specs/examples/five_station.yaml')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pint', 'pandas', 'rich')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"


# --- what goes to pint ----------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "1 / 2 h",  # a number after '/': pint reads (1/2) h
        "2 h 30",  # a number after a unit multiplies
        "2 h 30 min",  # two quantities multiply
        "2 * 3 h",
        "1500 m / 30 m/min",  # '/' left to right
        "2 (h)",
        "h min",
        "-2 h",  # a sign
        "+2 h",
        "2 h**2",
        "2 h^2",
        "1 Min",  # units are case-sensitive
        "2 hz",
        "3 fortnight",  # a unit outside the table
        "1500 mm / (30 m/min)",  # units of the same kind left uncancelled
        "5 m",  # another dimension
        "30 m/min",
        "1 kWh",  # an energy where a duration is due
        "007 s",  # pint's tokenizer splits it
        "1234567890123456 s",  # huge integers
        "1e3s",  # an exponent right before a unit
        "\N{FULLWIDTH DIGIT THREE} h",  # a digit to Python, not to pint's tokenizer
        "1500 m / (\N{ARABIC-INDIC DIGIT THREE}0 m/min)",
        "2e h",
        "1 m / (0 m/min)",  # division by zero
        "1e308 h * (1e308 m / (1 m))",  # not finite
        "(2 h",
        "2 h)",
        "()",
        "1,5 s",
        "1\t s",
        "2 per h",
        "",
    ],
)
def test_what_the_reader_leaves_to_pint(text):
    assert _read(text, "duration") is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2 h 30", "the number after the unit would multiply it"),
        ("5 m", "which is a length"),
        ("1500 m / 35 m/min", "the speed needs parentheses"),
        ("1 Min", "units are case-sensitive"),
        ("2 hz", "unknown unit hz"),
    ],
)
def test_texts_left_to_pint_get_pints_messages(text, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_quantity(text, "duration")


# --- random texts of (and near) the reader's grammar ------------------------

NUMBER = st.one_of(
    st.integers(min_value=0, max_value=10**6).map(str),
    st.integers(min_value=0, max_value=10**20).map(str),
    st.floats(min_value=0, max_value=1e12, allow_nan=False).map(repr),
    st.decimals(min_value=0, max_value=10**6, places=4).map(str),
    st.sampled_from(["0", ".5", "5.", "1e3", "2.5E-2", "007", "00.5", "1e-400", "1e400"]),
)
UNIT = st.one_of(
    st.sampled_from(sorted(_UNIT_NAMES)),
    st.sampled_from(["Min", "H", "us", "kW", "W", "Hz", "fortnight", "yr", "foo", "e", "per"]),
)
SPACE = st.sampled_from(["", " ", "  "])


@st.composite
def quantity(draw, leaf):
    return f"{draw(leaf)}{draw(SPACE)}{draw(UNIT)}"


ATOM = st.one_of(UNIT, NUMBER, quantity(NUMBER))


def _extend(inner):
    op = st.sampled_from(["*", "/", " * ", " / ", " ", "/ ", " /"])
    return st.one_of(
        st.tuples(inner, op, inner).map("".join),
        st.tuples(SPACE, inner, SPACE).map(lambda t: f"({t[0]}{t[1]}{t[2]})"),
    )


NEAR_GRAMMAR = st.recursive(ATOM, _extend, max_leaves=8)

# Within the grammar and of the kind asked for, by construction: a quantity,
# a parenthesis, units that cancel ("m" and "meter" too), a speed divided into
# a length ("1500 m / (35 m/min)"), a number over a rate ("60 / (1/min)").
OP = st.sampled_from(["*", "/", " * ", " / ", "/ "])


def _aliases(name: str) -> list[str]:
    return sorted(n for n, unit in _UNIT_NAMES.items() if unit == _UNIT_NAMES[name])


@st.composite
def of_kind(draw, kind: str, depth: int = 0) -> str:
    unit = draw(st.sampled_from(sorted(n for n, u in _UNIT_NAMES.items() if u in _FACTORS[kind])))
    number, other_number, space = draw(NUMBER), draw(NUMBER), draw(SPACE)
    other = draw(st.sampled_from(sorted(_UNIT_NAMES)))
    alias = draw(st.sampled_from(_aliases(other)))
    form = draw(st.integers(0, 6 if depth < 3 else 0))
    inner = draw(of_kind(kind, depth + 1)) if form in (1, 2, 3, 6) else ""
    return [
        f"{number}{space}{unit}",
        f"({inner})",
        f"{inner}{draw(OP).replace('/', '*')}{other}{draw(OP).replace('*', '/')}{alias}",
        f"{inner}{draw(OP).replace('*', '/')}{other}{draw(OP).replace('/', '*')}{alias}",
        f"{number}{space}{other} / ({other_number}{space}{alias}{draw(OP)}{unit})",
        f"{number}{draw(OP).replace('*', '/')}({other_number}{draw(OP).replace('*', '/')}{unit})",
        f"{number}{space}{other} / ({other_number}{space}{alias} / ({inner}))",
    ][form]


TEXT_AND_KIND = st.one_of(
    st.tuples(NEAR_GRAMMAR, st.sampled_from(sorted(_KINDS))),
    st.sampled_from(sorted(_KINDS)).flatmap(lambda kind: st.tuples(of_kind(kind), st.just(kind))),
)


@settings(
    max_examples=int(os.environ.get("FABSIM_UNITS_EXAMPLES", "1000")),
    deadline=timedelta(seconds=2),
    suppress_health_check=[HealthCheck.too_slow],
)
@given(TEXT_AND_KIND)
def test_the_reader_declines_or_agrees_with_pint(text_and_kind):
    text, kind = text_and_kind
    quick = _read(text, kind)
    if quick is not None:
        expected = pint_reads(text, kind)
        assert expected is not None, f"pint refuses {text!r}"
        assert math.isclose(quick, expected, rel_tol=1e-12, abs_tol=0), (quick, expected)
        assert same_float(quick, expected), (quick, expected)  # in fact: the very float
