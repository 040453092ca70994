"""The value types a spec's fields are made of: durations, energies, yields, counts.

Shared by every block of the spec (:mod:`fabsim.spec.models` for the line
and its steps, :mod:`fabsim.spec.cost_models`, :mod:`fabsim.spec.cell_models`).

Example:
    >>> from pydantic import TypeAdapter
    >>> TypeAdapter(PositiveDuration).validate_python("90 min")
    1.5
"""

from __future__ import annotations

import math
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
)

from fabsim.spec.units import parse_quantity

_DURATION_SCHEMA = {
    "type": "string",
    "description": "A duration with its unit, e.g. '45 s', '20 min', '2.5 h', '14 d', "
    "or an expression such as '1500 m / (35 m/min)'.",
    "examples": ["45 s", "20 min", "2.5 h"],
}

Duration = Annotated[
    float,
    BeforeValidator(lambda v: parse_quantity(v, "duration")),
    WithJsonSchema(_DURATION_SCHEMA),
]
"""A non-negative duration in hours, written with a unit."""


def _as_written(value: object) -> str:
    """A value as the planner typed it: ``'-2 h'`` stays ``'-2 h'``, not seconds."""
    return repr(value.strip()) if isinstance(value, str) else f"{value}"


def _positive(value: object) -> float:
    hours = parse_quantity(value, "duration")
    if hours <= 0:
        raise ValueError(f"must be longer than zero, got {_as_written(value)}")
    return hours


def _non_negative(value: object) -> float:
    hours = parse_quantity(value, "duration")
    if hours < 0:
        raise ValueError(f"must not be negative, got {_as_written(value)}")
    return hours


PositiveDuration = Annotated[float, BeforeValidator(_positive), WithJsonSchema(_DURATION_SCHEMA)]
NonNegativeDuration = Annotated[
    float, BeforeValidator(_non_negative), WithJsonSchema(_DURATION_SCHEMA)
]

Energy = Annotated[
    float,
    BeforeValidator(lambda v: parse_quantity(v, "energy")),
    WithJsonSchema({"type": "string", "description": "An energy, e.g. '0.222 kWh'."}),
]


def _plain_number(value: object) -> object:
    # YAML reads yes/no/on/off/true/false as booleans; Python would take them as 1 and 0.
    if isinstance(value, bool):
        raise ValueError(f"expected a number, got {str(value).lower()}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"expected a finite number, got {value}")
    return value


PlainNumber = BeforeValidator(_plain_number)
"""Refuses ``true``/``false``, ``.nan`` and ``.inf`` where a number is expected."""


def _probability(low_open: bool):
    def check(value: float) -> float:
        if not math.isfinite(value) or value > 1 or value < 0 or (low_open and value == 0):
            interval = "(0, 1]" if low_open else "[0, 1]"
            # A yield written as a percentage (97, 98.5): say so; a probability
            # such as a defect rate may as well be meant in ppm, so no guess there.
            percentage = low_open and 50 <= value <= 100
            hint = f" (a fraction: did you mean {value / 100:g}?)" if percentage else ""
            raise ValueError(f"must be in {interval}, got {value:g}{hint}")
        return value

    return AfterValidator(check)


def _fraction_not_percent(value: object) -> object:
    # "97%" is how a planner says a yield; fabsim wants the fraction 0.97.
    if isinstance(value, str) and value.strip().endswith("%"):
        number = value.strip()[:-1].strip()
        try:
            fraction = float(number) / 100
        except ValueError:
            return value
        raise ValueError(f"write a fraction, not a percentage: {value.strip()!r} is {fraction:g}")
    return value


Fraction = BeforeValidator(_fraction_not_percent)
Yield = Annotated[
    float,
    Fraction,
    PlainNumber,
    _probability(low_open=True),
    WithJsonSchema({"type": "number", "exclusiveMinimum": 0, "maximum": 1}),
]
Probability = Annotated[
    float,
    Fraction,
    PlainNumber,
    _probability(low_open=False),
    WithJsonSchema({"type": "number", "minimum": 0, "maximum": 1}),
]

Count = Annotated[int, PlainNumber, Field(ge=1, le=10**9)]
ItemName = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z_][\w\-]*$")]


class SpecModel(BaseModel):
    """Base for every spec block: unknown keys are errors; models are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class FieldError(ValueError):
    """A check across fields of a block whose fault lies in one named field.

    The loader reports it at that field's line, not at the block's.
    """

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
