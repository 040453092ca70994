"""Quantities with units, as planners write them ("45 s", "2.5 h", "0.222 kWh").

Everything inside fabsim runs on plain floats in fixed base units: **hours**
for time and **kWh** for energy. This module is the one place where text with
units becomes such a float, so a wrong dimension is caught where it is typed.

What pint would misread or take forever over is refused with a reason:
texts longer than 200 characters, characters that are not arithmetic
("1,5 s" would be 5 s, "1'000 s" would be 0 s), more than one power or a
power with a large exponent ("10**10**10 s"), and results that are not
finite ("1e400 s").

Texts of the common forms ("45 s", "2.5h", "1500 m / (35 m/min)") are read
without pint, by :func:`_read`: numbers, unit names from a fixed table, ``*``,
``/`` and parentheses, evaluated in pint's order with pint's number types and
its conversion factors, so the float is the same, bit for bit. Anything else
(an unknown unit, a power, "1 / 2 h", "2 h 30", a wrong dimension, ...) goes
to pint, which stays the authority and is imported only then: importing pint
and building its registry costs more than the rest of a start-up.

Example:
    >>> to_hours("90 min")
    1.5
    >>> round(to_hours("1500 m / (35 m/min)"), 6)   # roll length over line speed
    0.714286
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

# What each kind of quantity must reduce to, and the words used in messages.
_KINDS = {
    "duration": ("hour", "[time]", "a duration such as '45 s', '20 min' or '2.5 h'"),
    "energy": ("kWh", "[length] ** 2 * [mass] / [time] ** 2", "an energy such as '0.222 kWh'"),
}


@lru_cache(maxsize=1)
def _registry():
    # pint is imported lazily: building its registry costs ~1 s, and commands
    # such as `fabsim --help` never need it.
    import pint

    return pint.UnitRegistry()


def parse_quantity(value: object, kind: str) -> float:
    """Parse ``value`` as a quantity of ``kind`` ('duration' or 'energy').

    Returns the magnitude in hours (durations) or kWh (energies). Raises
    ``ValueError`` with a message meant for planners.

    Example:
        >>> parse_quantity("0.222 kWh", "energy")
        0.222
    """
    unit, _, expected = _KINDS[kind]
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError(f"expected {expected}, got {_show(value)}")
    if isinstance(value, int | float):
        if value == 0:
            return 0.0
        if not math.isfinite(value):
            raise ValueError(f"expected {expected}, got {value}")
        raise ValueError(f"a number needs a unit: expected {expected}, got {_show(value)}")
    text = value.strip()
    if not text:
        raise ValueError(f"expected {expected}, got an empty text")
    if len(text) > 200:
        raise ValueError(f"expected {expected}, got a text of {len(text)} characters")
    return _parse_text(text, kind)


@lru_cache(maxsize=4096)
def _parse_text(text: str, kind: str) -> float:
    unit, _, expected = _KINDS[kind]
    quick = _read(text, kind)
    if quick is not None:  # "45 s", "1500 m / (35 m/min)": no pint needed
        return quick
    simple = _SIMPLE.fullmatch(text)
    if simple:  # "45 s" in a unit outside the table: skip pint's expression parser
        factor = _factor(simple[2], kind)
        if factor is not None:
            magnitude = float(simple[1]) * factor
            if math.isfinite(magnitude):
                return magnitude
    _check_characters(text, expected)
    _check_powers(text, expected)
    _check_number_after_unit(text, expected)
    ureg = _registry()
    try:
        quantity = ureg.Quantity(text)
    except Exception as error:  # pint raises many types for bad text
        raise ValueError(f"cannot read {text!r} as {expected} ({_pint_reason(error)})") from None
    if not isinstance(quantity, ureg.Quantity):
        raise ValueError(f"cannot read {text!r} as {expected} (not a number with a unit)")
    target = ureg.Quantity(1, unit)
    if quantity.dimensionality != target.dimensionality:
        if quantity.dimensionless:
            raise ValueError(f"a number needs a unit: expected {expected}, got {text!r}")
        raise ValueError(
            f"wrong unit: expected {expected}, got {text!r} which is "
            f"{_dimension_words(quantity.dimensionality)}" + _hint(text, kind)
        )
    try:
        magnitude = float(quantity.to(unit).magnitude)
    except (OverflowError, ArithmeticError, TypeError, ValueError):
        magnitude = math.inf
    if not math.isfinite(magnitude):
        raise ValueError(f"{text!r} is not a finite {kind}")
    return magnitude


# --- reading common texts without pint ---------------------------------------

# Unit names read without pint, and pint's name for each: names with the same
# pint name cancel ("m" and "meter"), others never do ("mm" and "m": to pint).
_UNIT_NAMES = {
    **dict.fromkeys(("ms", "millisecond", "milliseconds"), "millisecond"),
    **dict.fromkeys(("s", "sec", "secs", "second", "seconds"), "second"),
    **dict.fromkeys(("min", "mins", "minute", "minutes"), "minute"),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), "hour"),
    **dict.fromkeys(("d", "day", "days"), "day"),
    **dict.fromkeys(("week", "weeks"), "week"),
    **dict.fromkeys(("year", "years", "yr"), "year"),
    "Wh": "watt_hour",
    "kWh": "kilowatt_hour",
    "MWh": "megawatt_hour",
    "GWh": "gigawatt_hour",
    "J": "joule",
    "kJ": "kilojoule",
    "MJ": "megajoule",
    # lengths and masses only cancel: "1500 m / (35 m/min)"
    **dict.fromkeys(("m", "meter", "meters", "metre", "metres"), "meter"),
    "mm": "millimeter",
    "cm": "centimeter",
    "km": "kilometer",
    **dict.fromkeys(("um", "\N{MICRO SIGN}m", "\N{GREEK SMALL LETTER MU}m"), "micrometer"),
    "g": "gram",
    "kg": "kilogram",
    "t": "metric_ton",
}

# One of each unit in hours (durations) or kWh (energies), the very number
# pint converts with, int or float: ``Quantity(1, name).to("hour").magnitude``
# (tests/test_units.py checks each against pint).
_FACTORS = {
    "duration": {
        "millisecond": 2.7777777777777776e-07,
        "second": 0.0002777777777777778,
        "minute": 0.016666666666666666,
        "hour": 1,
        "day": 24,
        "week": 168,
        "year": 8766.0,
    },
    "energy": {
        "joule": 2.7777777777777776e-07,
        "kilojoule": 0.0002777777777777778,
        "megajoule": 0.2777777777777778,
        "watt_hour": 0.001,
        "kilowatt_hour": 1,
        "megawatt_hour": 1000.0,
        "gigawatt_hour": 1000000.0,
    },
}

# A number as Python's tokenizer (so pint) reads it, ASCII digits only ("３" is
# a digit to Python, not to pint's tokenizer); a unit name; an operator.
_TOKEN = re.compile(
    r" *(?:(?P<number>(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?P<exponent>[eE][-+]?[0-9]+)?)"
    r"|(?P<name>[A-Za-z\N{MICRO SIGN}\N{GREEK SMALL LETTER MU}]+)|(?P<op>[*/()]))"
)


class _Declined(Exception):
    """The text is outside what :func:`_read` reads: pint decides."""


def _read(text: str, kind: str) -> float | None:
    """``text`` in hours or kWh, the same float as pint; None if pint must decide.

    Reads numbers, unit names of ``_UNIT_NAMES``, ``*``, ``/`` and
    parentheses, with a number only first in the text or in a parenthesis,
    followed by a unit (implicit multiplication: "30 m/min" is (30 m) / min).
    It evaluates as pint does: left to right, integers kept as integers and
    cast to float for '/', units kept by name and cancelled, then multiplied
    by the conversion factor at the end. Declines anything else: a number
    after '/', '*' or a unit ("1 / 2 h", "2 h 30"), a sign, powers, unknown
    or case-mismatched units, a result of another dimension, of several
    units left ("mm / (m/min)") or not finite, a division by zero, and
    numbers pint's tokenizer splits or that are very large ("007", 16+ digits).

    Example:
        >>> _read("1500 m / (30 m/min)", "duration")
        0.8333333333333334
        >>> _read("1 / 2 h", "duration") is None
        True
    """
    tokens = _tokens(text)
    if tokens is None:
        return None
    try:
        (magnitude, units), end = _group(tokens, 0)
        if end != len(tokens) or units is None or len(units) != 1:
            return None
        ((name, power),) = units.items()
        factor = _FACTORS[kind].get(name)
        if factor is None or power != 1:
            return None
        value = float(magnitude * factor)
    except (_Declined, ZeroDivisionError, OverflowError):
        return None
    return value if math.isfinite(value) else None


def _tokens(text: str) -> list[tuple[str, object]] | None:
    """("number", int or float), ("unit", pint name) or (operator, None); None if unreadable."""
    tokens: list[tuple[str, object]] = []
    position, after_number = 0, None
    while position < len(text):
        found = _TOKEN.match(text, position)
        if not found:
            return None
        if found["number"]:
            number = found["number"]
            leading_zero = len(number) > 1 and number[0] == "0"
            if after_number or (number.isdigit() and (leading_zero or len(number) > 15)):
                return None  # "2 3 h"; "007" is 0 x 7 to pint; huge integers: pint decides
            tokens.append(("number", int(number) if number.isdigit() else float(number)))
        elif found["name"]:
            name = found["name"]
            if (
                after_number
                and found.start("name") == position
                and (after_number["exponent"] or not name[0].isascii() or name[0] in "eE")
            ):
                return None  # "1e3s", "2eh": pint's tokenizer reads those otherwise
            if name not in _UNIT_NAMES:
                return None
            tokens.append(("unit", _UNIT_NAMES[name]))
        else:
            tokens.append((found["op"], None))
        after_number = found if found["number"] else None
        position = found.end()
    return tokens


# A magnitude (int or float, as pint keeps it) and units {pint name: power},
# or None for a plain number.
_Value = tuple[object, dict[str, int] | None]


def _group(tokens: list[tuple[str, object]], index: int) -> tuple[_Value, int]:
    """Evaluate from ``index`` to the end or a ')', left to right, as pint does.

    A group is [number [unit] | unit | (group)] then any of ('*' | '/') (unit | (group)).
    """
    if index < len(tokens) and tokens[index][0] == "number":
        value: _Value = (tokens[index][1], None)
        index += 1
        if index < len(tokens) and tokens[index][0] == "unit":  # "30 m" is 30 x m
            value = _times(value, (1, {tokens[index][1]: 1}))
            index += 1
    else:
        value, index = _operand(tokens, index)
    while index < len(tokens) and tokens[index][0] != ")":
        op = tokens[index][0]
        if op not in ("*", "/"):
            raise _Declined  # "2 h 30", "h min", "2 (h)"
        operand, index = _operand(tokens, index + 1)
        value = _times(value, operand) if op == "*" else _divided(value, operand)
    return value, index


def _operand(tokens: list[tuple[str, object]], index: int) -> tuple[_Value, int]:
    """A unit or a parenthesis; a number here ("1 / 2 h", "2 * 3 h") is declined."""
    if index >= len(tokens):
        raise _Declined
    kind, content = tokens[index]
    if kind == "unit":
        return (1, {content: 1}), index + 1
    if kind == "(":
        value, index = _group(tokens, index + 1)
        if index >= len(tokens):
            raise _Declined  # not closed
        return value, index + 1
    raise _Declined


def _times(left: _Value, right: _Value) -> _Value:
    return left[0] * right[0], _combined(left[1], right[1], 1)


def _divided(left: _Value, right: _Value) -> _Value:
    # number / quantity: pint divides the magnitudes as they are (int / int is
    # Python's exact division); quantity / anything: pint casts ints to float.
    if left[1] is None:
        return left[0] / right[0], _combined(left[1], right[1], -1)
    return float(left[0]) / float(right[0]), _combined(left[1], right[1], -1)


def _combined(left: dict | None, right: dict | None, sign: int) -> dict[str, int] | None:
    if left is None and right is None:
        return None
    units = dict(left or {})
    for name, power in (right or {}).items():
        units[name] = units.get(name, 0) + sign * power
        if units[name] == 0:
            del units[name]
    return units


# A number and one unit name ("45 s", "2.5h", "1e3 ms"); with a unit outside
# _UNIT_NAMES ("3 fortnight") it is read with pint's factor for that unit.
_SIMPLE = re.compile(r"([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([A-Za-z_]+)")


@lru_cache(maxsize=256)
def _factor(unit_name: str, kind: str) -> float | None:
    """Hours (or kWh) in one ``unit_name``, or None if it is not a unit of ``kind``."""
    ureg = _registry()
    unit, _, _ = _KINDS[kind]
    try:
        one = ureg.Quantity(1.0, unit_name)
        if one.dimensionality != ureg.Quantity(1, unit).dimensionality:
            return None
        factor = float(one.to(unit).magnitude)
    except Exception:  # not a unit pint knows: let the full parser explain
        return None
    return factor if math.isfinite(factor) and factor > 0 else None


# pint reads "1,5 s" as 5 s and "1'000 s" as 0 s; refuse what is not arithmetic.
_UNEXPECTED = re.compile(r"[^\w\s.+\-*/()^]")


def _check_characters(text: str, expected: str) -> None:
    found = _UNEXPECTED.search(text)
    if found:
        reason = (
            "write decimals with '.' and no thousands separator"
            if found[0] in ",'"
            else f"unexpected character {found[0]!r}"
        )
        raise ValueError(f"cannot read {text!r} as {expected} ({reason})")


# pint evaluates "**" with Python integers: "10**10**10 s" would never finish.
_POWER = re.compile(r"\*\*|\^")
_SMALL_EXPONENT = re.compile(r"\s*\(?\s*[-+]?\d{1,2}(?:\.\d*)?\s*\)?(?![\d.(])")


def _check_powers(text: str, expected: str) -> None:
    powers = list(_POWER.finditer(text))
    if len(powers) > 1 or (powers and not _SMALL_EXPONENT.match(text, powers[0].end())):
        raise ValueError(
            f"cannot read {text!r} as {expected} (at most one power, with a small exponent)"
        )


# Mistakes planners make most, and the form that works (issue 13).
_TWO_PARTS = re.compile(
    r"\s*([-+]?\d+(?:\.\d+)?)\s*([A-Za-z]+)\s+([-+]?\d+(?:\.\d+)?)\s*([A-Za-z]+)\s*"
)
_RATIO_WITHOUT_PARENTHESES = re.compile(
    r"\s*(.+?)\s*/\s*([-+]?[\d.]+\s*[A-Za-z]+\s*/\s*[A-Za-z]+)\s*"
)


def _hint(text: str, kind: str) -> str:
    """Why a text read as the wrong kind of quantity, and what to write instead."""
    if kind != "duration":
        return ""
    ratio = _RATIO_WITHOUT_PARENTHESES.fullmatch(text)
    if ratio:
        fixed = f"{ratio[1]} / ({ratio[2]})"
        return f": '/' is read left to right, so the speed needs parentheses: write {fixed!r}"
    parts = _TWO_PARTS.fullmatch(text)
    first, second = (_factor(parts[2], kind), _factor(parts[4], kind)) if parts else (None, None)
    if first and second:
        hours = float(parts[1]) * first + float(parts[3]) * second
        return (
            f": two numbers with units multiply ({parts[1]} {parts[2]} x {parts[3]} "
            f"{parts[4]}); write one: '{_as_minutes_or_hours(hours)}'"
        )
    simple = _SIMPLE.fullmatch(text)
    if simple and simple[2] != simple[2].lower() and simple[2].lower() in _TIME_UNITS:
        return (
            f" ('{simple[2]}' was read as another unit: units are case-sensitive); "
            f"write '{simple[1]} {simple[2].lower()}'"
        )
    return ""


def _as_minutes_or_hours(hours: float) -> str:
    """The shortest exact form: '2.5 h', '90.5 min', else whole seconds '610 s'."""
    minutes, seconds = hours * 60, hours * 3600
    if abs(hours * 100 - round(hours * 100)) < 1e-9:
        return f"{round(hours, 2):g} h"
    if abs(minutes * 10 - round(minutes * 10)) < 1e-6:
        return f"{round(minutes, 1):g} min"
    return f"{round(seconds, 3):g} s"


_TIME_UNITS = ("s", "min", "h", "d", "ms")


# pint reads "2 h 30" as 2 h x 30 = 60 h: a number after a unit multiplies.
_NUMBER_AFTER_UNIT = re.compile(r"[A-Za-z]\s+[-+]?(?:\d|\.\d)[\d.]*\s*$")


def _check_number_after_unit(text: str, expected: str) -> None:
    if _NUMBER_AFTER_UNIT.search(text):
        raise ValueError(
            f"cannot read {text!r} as {expected}: the number after the unit would "
            "multiply it; write one number with its unit (e.g. '2.5 h' for 2 h 30 min)"
        )


def to_hours(value: object) -> float:
    """Parse a duration and return hours. Example: ``to_hours("45 s") == 0.0125``."""
    return parse_quantity(value, "duration")


def _pint_reason(error: Exception) -> str:
    if type(error).__name__ == "UndefinedUnitError":
        names = getattr(error, "unit_names", None) or str(error)
        if isinstance(names, list | tuple):
            names = ", ".join(str(name) for name in names)
        return f"unknown unit {names}".replace("'", "")
    return "not a number with a unit"


def _dimension_words(dimensionality) -> str:
    ureg = _registry()
    for unit, words in (
        ("m", "a length"),
        ("s", "a duration"),
        ("kg", "a mass"),
        ("m/s", "a speed"),
        ("1/s", "a rate"),
        ("kWh", "an energy"),
        ("kW", "a power"),
        ("s**2", "a duration squared"),
        ("m**2", "an area"),
        ("m**3", "a volume"),
        ("K", "a temperature"),
        ("A", "an electric current"),
        ("A*s", "an electric charge"),
        ("V", "a voltage"),
        ("Pa", "a pressure"),
        ("H", "an inductance"),
    ):
        if ureg.get_dimensionality(unit) == dimensionality:
            return words
    return f"of dimension {dimensionality}"


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
