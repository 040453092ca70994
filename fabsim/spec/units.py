"""Quantities with units, as planners write them ("45 s", "2.5 h", "0.222 kWh").

Everything inside fabsim runs on plain floats in fixed base units: **hours**
for time and **kWh** for energy. This module is the one place where text with
units becomes such a float, so a wrong dimension is caught where it is typed.

What pint would misread or take forever over is refused with a reason:
texts longer than 200 characters, characters that are not arithmetic
("1,5 s" would be 5 s, "1'000 s" would be 0 s), more than one power or a
power with a large exponent ("10**10**10 s"), and results that are not
finite ("1e400 s"). The common "number unit" form skips pint's expression
parser (the number is the same, only ~50 times faster).

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
    simple = _SIMPLE.fullmatch(text)
    if simple:  # "45 s": skip pint's expression parser, ~50 times faster
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


# A number and one unit name ("45 s", "2.5h", "1e3 ms"): the common case.
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
