"""Quantities with units, as planners write them ("45 s", "2.5 h", "0.222 kWh").

Everything inside fabsim runs on plain floats in fixed base units: **hours**
for time and **kWh** for energy. This module is the one place where text with
units becomes such a float, so a wrong dimension is caught where it is typed.

Example:
    >>> to_hours("90 min")
    1.5
    >>> round(to_hours("1500 m / (35 m/min)"), 6)   # roll length over line speed
    0.714286
"""

from __future__ import annotations

import math
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
    ureg = _registry()
    try:
        quantity = ureg.Quantity(text)
    except Exception as error:  # pint raises many types for bad text
        raise ValueError(f"cannot read {text!r} as {expected} ({_pint_reason(error)})") from None
    target = ureg.Quantity(1, unit)
    if quantity.dimensionality != target.dimensionality:
        if quantity.dimensionless:
            raise ValueError(f"a number needs a unit: expected {expected}, got {text!r}")
        raise ValueError(
            f"wrong unit: expected {expected}, got {text!r} which is "
            f"{_dimension_words(quantity.dimensionality)}"
        )
    magnitude = float(quantity.to(unit).magnitude)
    if not math.isfinite(magnitude):
        raise ValueError(f"{text!r} is not a finite {kind}")
    return magnitude


def to_hours(value: object) -> float:
    """Parse a duration and return hours. Example: ``to_hours("45 s") == 0.0125``."""
    return parse_quantity(value, "duration")


def _pint_reason(error: Exception) -> str:
    name = type(error).__name__
    if name == "UndefinedUnitError":
        return f"unknown unit {getattr(error, 'unit_names', None) or str(error)}".replace("'", "")
    return "not a number with a unit"


def _dimension_words(dimensionality) -> str:
    words = {
        "[length]": "a length",
        "[time]": "a duration",
        "[mass]": "a mass",
        "[length] / [time]": "a speed",
        "1 / [time]": "a rate",
        "[length] ** 2 * [mass] / [time] ** 2": "an energy",
        "[length] ** 2 * [mass] / [time] ** 3": "a power",
    }
    key = str(dimensionality)
    return words.get(key, f"of dimension {key}")


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
