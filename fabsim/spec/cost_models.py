"""The spec blocks of the cost model: line-level ``costs:`` and a step's ``cost:``.

Money keeps its currency (:class:`~fabsim.spec.money.Money`); the loader
checks that a line uses one currency only. Capex, operators and power are
per machine; ``material`` is what one cycle buys in from outside the line
(per recipe unit for a batch step, like ``uses``).

Example:
    >>> cost = StepCost.model_validate({"capex": "1.2 MUSD", "life": "8 years", "power": "30 kW"})
    >>> cost.capex, cost.life_years, cost.power
    (Money(1200000.0, 'USD'), 8.0, 30.0)
"""

from __future__ import annotations

from typing import Annotated

from pydantic import (
    AfterValidator,
    Field,
    PlainValidator,
    WithJsonSchema,
    model_validator,
)

from fabsim.spec.fields import FieldError, PlainNumber, PositiveDuration, SpecModel
from fabsim.spec.measures import measure_type
from fabsim.spec.money import Money, parse_money

HOURS_PER_JULIAN_YEAR = 8766.0
"""Hours in the year a ``life: 8 years`` is written in (pint's year, 365.25 d)."""


def _money(kind: str, description: str, example: str):
    return Annotated[
        Money,
        PlainValidator(lambda v: parse_money(v, kind)),
        WithJsonSchema(
            {
                "anyOf": [{"type": "string"}, {"const": 0}],
                "description": description,
                "examples": [example],
            }
        ),
    ]


Amount = _money("amount", "Money, e.g. '1.2 MUSD', '900 kUSD', '10 USD'.", "1.2 MUSD")
PerHour = _money("per_hour", "Money per hour, e.g. '35 USD/h'.", "35 USD/h")
PerKwh = _money("per_kwh", "Money per kWh, e.g. '0.10 USD/kWh'.", "0.10 USD/kWh")
PerM2Year = _money("per_m2_year", "Money per m2 and year, e.g. '250 USD/m2/yr'.", "250 USD/m2/yr")


Power = measure_type("power", "A power, e.g. '30 kW'.", positive=False)
Area = measure_type("area", "An area, e.g. '6000 m2'.", positive=True)


class StepCost(SpecModel):
    """What one machine of a step costs: capex over its life, operators, power, bought-in material.

    ``operators`` are paid for every staffed hour of the step (all hours of a
    ``calendar: continuous`` step); ``power`` is drawn while the machine works
    (busy or in setup).
    """

    capex: Amount = Field(default_factory=lambda: Money(0.0, None))
    life: PositiveDuration | None = None
    operators: Annotated[float, PlainNumber, Field(ge=0, le=1000)] = 0.0
    power: Power = 0.0
    material: Amount = Field(default_factory=lambda: Money(0.0, None))

    @model_validator(mode="after")
    def _life_with_capex(self):
        if self.capex > 0 and self.life is None:
            raise FieldError("capex", "needs a 'life' to spread it over, e.g. life: 8 years")
        return self

    @property
    def life_years(self) -> float:
        """The depreciation life in years (``None`` life counts as 1 year; capex is then 0)."""
        return (self.life or HOURS_PER_JULIAN_YEAR) / HOURS_PER_JULIAN_YEAR

    def money(self) -> dict[str, Money]:
        """The money fields, by name (for the currency check)."""
        return {"capex": self.capex, "material": self.material}


class FloorSpace(SpecModel):
    """An area of the plant and what one m2 of it costs a year (rent or charge, HVAC)."""

    area: Area
    cost: PerM2Year


Wacc = Annotated[float, PlainNumber, Field(ge=0, lt=1)]


def _currency_code(value: str) -> str:
    if not (len(value) == 3 and value.isascii() and value.isalpha() and value.isupper()):
        raise ValueError(
            f"expected a currency code of three capital letters such as 'USD', got {value!r}"
        )
    return value


class Costs(SpecModel):
    """Line-level cost figures: one currency, labour and electricity rates, capital, floor space.

    Annual capital charge of a machine = capex x wacc / (1 - (1 + wacc)^-life),
    capex / life at a wacc of 0.
    """

    currency: Annotated[str, AfterValidator(_currency_code)]
    labour: PerHour
    electricity: PerKwh
    wacc: Wacc = 0.0
    building: FloorSpace | None = None
    dry_room: FloorSpace | None = None

    def money(self) -> dict[str, Money]:
        """The money fields, by dotted name (for the currency check)."""
        found = {"labour": self.labour, "electricity": self.electricity}
        for name in ("building", "dry_room"):
            space = getattr(self, name)
            if space is not None:
                found[f"{name}.cost"] = space.cost
        return found


def capital_recovery_factor(wacc: float, life_years: float) -> float:
    """The share of capex charged each year: wacc / (1 - (1 + wacc)^-life), 1/life at wacc 0.

    Example:
        >>> capital_recovery_factor(0.0, 10)
        0.1
        >>> round(capital_recovery_factor(0.08, 8), 4)
        0.174
    """
    if wacc == 0:
        return 1.0 / life_years
    return wacc / (1.0 - (1.0 + wacc) ** -life_years)
