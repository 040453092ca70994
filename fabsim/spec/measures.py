"""Quantities of a cell design and of a plant: voltages, loadings, powers, areas.

Time and energy are read by :mod:`fabsim.spec.units` (hours and kWh, the
engine's units). The other quantities a spec holds are only used for
arithmetic after loading (cell capacity, cost), so each kind has one fixed
unit here, and the usual spellings of it are read from a small table; other
spellings go to pint, with the planner's ``cm2``/``m2``/``cm3`` written as
powers first (pint reads ``cm2`` as an unknown unit).

Example:
    >>> parse_measure("23 mg/cm2", "loading")
    23.0
    >>> parse_measure("230 g/m2", "loading")
    23.0
    >>> parse_measure("0.4 mm", "length")
    0.4
"""

from __future__ import annotations

import math
import re

# kind: (unit fabsim keeps it in, pint's text of that unit, words for messages,
#        {spelling: factor to the kept unit}); factors are exact decimal ratios.
_KINDS: dict[str, tuple[str, str, str, dict[str, float]]] = {
    "voltage": ("V", "volt", "a voltage such as '3.65 V'", {"V": 1.0, "mV": 1e-3}),
    "length": (
        "mm",
        "millimeter",
        "a length such as '400 mm'",
        {"mm": 1.0, "cm": 10.0, "m": 1000.0, "um": 1e-3, "µm": 1e-3, "μm": 1e-3},
    ),
    "loading": (
        "mg/cm2",
        "milligram / centimeter ** 2",
        "an areal loading such as '23 mg/cm2'",
        {"mg/cm2": 1.0, "mg/cm^2": 1.0, "mg/cm**2": 1.0, "g/m2": 0.1, "g/m^2": 0.1},
    ),
    "specific_capacity": (
        "mAh/g",
        "milliampere_hour / gram",
        "a specific capacity such as '190 mAh/g'",
        {"mAh/g": 1.0, "Ah/kg": 1.0},
    ),
    "density": (
        "g/cm3",
        "gram / centimeter ** 3",
        "a density such as '1.9 g/cm3'",
        {"g/cm3": 1.0, "g/cm^3": 1.0, "g/cc": 1.0, "kg/m3": 1e-3, "kg/m^3": 1e-3},
    ),
    "power": ("kW", "kilowatt", "a power such as '30 kW'", {"kW": 1.0, "W": 1e-3, "MW": 1e3}),
    "area": ("m2", "meter ** 2", "an area such as '6000 m2'", {"m2": 1.0, "m^2": 1.0}),
}

_NUMBER_UNIT = re.compile(r"\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(\S+)\s*")
_SQUARE_OR_CUBE = re.compile(r"(?<=[A-Za-z])([23])\b")


def unit_of(kind: str) -> str:
    """The unit fabsim keeps a kind of quantity in (``'mg/cm2'`` for a loading)."""
    return _KINDS[kind][0]


def parse_measure(value: object, kind: str) -> float:
    """Read ``value`` (text with a unit) as ``kind``; return it in :func:`unit_of` units.

    Raises ``ValueError`` with a message meant for planners.

    Example:
        >>> parse_measure("30 um", "length")
        0.03
        >>> parse_measure("3.65", "voltage")
        Traceback (most recent call last):
        ...
        ValueError: a number needs a unit: expected a voltage such as '3.65 V', got '3.65'
    """
    _, pint_unit, expected, spellings = _KINDS[kind]
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError(f"expected {expected}, got {value!r}")
    if isinstance(value, int | float):
        if value == 0:
            return 0.0
        raise ValueError(f"a number needs a unit: expected {expected}, got {value}")
    text = value.strip()
    if not text or len(text) > 200:
        raise ValueError(f"expected {expected}, got {value!r}")
    found = _NUMBER_UNIT.fullmatch(text)
    if found and found[2] in spellings:
        magnitude = float(found[1]) * spellings[found[2]]
    else:
        magnitude = _with_pint(text, pint_unit, expected)
    if not math.isfinite(magnitude):
        raise ValueError(f"{text!r} is not a finite number")
    return magnitude


def _with_pint(text: str, pint_unit: str, expected: str) -> float:
    from fabsim.spec.units import _registry  # pint only for the unusual spellings

    if re.search(r"\*\*\s*\d{3,}|\^\s*\d{3,}", text):
        raise ValueError(f"cannot read {text!r} as {expected}")
    ureg = _registry()
    try:
        quantity = ureg.Quantity(_SQUARE_OR_CUBE.sub(r"**\1", text))
        target = ureg.Quantity(1, pint_unit)
        dimensionless = not isinstance(quantity, ureg.Quantity) or quantity.dimensionless
        same = not dimensionless and quantity.dimensionality == target.dimensionality
        magnitude = float(quantity.to(pint_unit).magnitude) if same else math.nan
    except Exception:  # pint raises many types for text it cannot read
        raise ValueError(f"cannot read {text!r} as {expected}") from None
    if dimensionless:
        raise ValueError(f"a number needs a unit: expected {expected}, got {text!r}")
    if not same:
        raise ValueError(f"wrong unit: expected {expected}, got {text!r}")
    return magnitude


def measure_type(kind: str, description: str, *, positive: bool = True):
    """A pydantic field type: text with a unit of ``kind``, greater than (or not below) zero.

    Example:
        >>> from pydantic import TypeAdapter
        >>> TypeAdapter(measure_type("power", "A power.", positive=False)).validate_python("0 kW")
        0.0
    """
    from typing import Annotated

    from pydantic import BeforeValidator, WithJsonSchema

    def read(value: object) -> float:
        number = parse_measure(value, kind)
        if number < 0 or (positive and number == 0):
            shown = repr(value.strip()) if isinstance(value, str) else f"{value}"
            word = "greater than zero" if positive else "not negative"
            raise ValueError(f"must be {word}, got {shown}")
        return number

    return Annotated[
        float, BeforeValidator(read), WithJsonSchema({"type": "string", "description": description})
    ]
