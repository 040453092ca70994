"""The spec's ``cell:`` block: the design a cell's energy and material needs follow from.

Only inputs live here; :mod:`fabsim.spec.cell_design` derives capacity,
energy, sheets and masses from them.

Example:
    >>> cell = Cell.model_validate({"voltage": "3.65 V", "cathode": {
    ...     "loading": "23 mg/cm2", "active_fraction": 0.96, "specific_capacity": "200 mAh/g",
    ...     "sheet": ["400 mm", "105 mm"], "layers": 27}})
    >>> cell.cathode.sides, cell.cathode.layers
    (2, 27)
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import WithJsonSchema, model_validator

from fabsim.spec.fields import Count, FieldError, ItemName, Probability, SpecModel, Yield
from fabsim.spec.measures import measure_type

Voltage = measure_type("voltage", "A voltage, e.g. '3.65 V'.")
Length = measure_type("length", "A length, e.g. '400 mm' or '30 um'.")
Loading = measure_type("loading", "Coating mass per area and side, e.g. '23 mg/cm2'.")
SpecificCapacity = measure_type(
    "specific_capacity", "Capacity per gram of active material, e.g. '190 mAh/g'."
)
Density = measure_type("density", "A density, e.g. '1.9 g/cm3'.")
Sheet = Annotated[
    tuple[Length, Length],
    WithJsonSchema(
        {
            "type": "array",
            "items": {"type": "string"},
            "minItems": 2,
            "maxItems": 2,
            "description": "Length and width of one sheet, e.g. ['400 mm', '105 mm'].",
        }
    ),
]


class Electrode(SpecModel):
    """One electrode of the cell: its coating, its sheet and how many layers.

    ``loading`` is the coating mass per cm2 on one side; ``active_fraction``
    the share of it that stores lithium; ``se_fraction`` the share that is
    solid electrolyte (composite electrodes of an all-solid cell).
    """

    loading: Loading
    active_fraction: Yield
    specific_capacity: SpecificCapacity
    sheet: Sheet
    layers: Count
    sides: Literal[1, 2] = 2
    se_fraction: Probability = 0.0
    item: ItemName | None = None

    @model_validator(mode="after")
    def _fractions_fit(self):
        if self.active_fraction + self.se_fraction > 1 + 1e-12:
            raise FieldError(
                "se_fraction",
                f"active_fraction ({self.active_fraction:g}) and se_fraction "
                f"({self.se_fraction:g}) add up to more than 1",
            )
        return self


class ElectrolyteLayers(SpecModel):
    """Separator or solid-electrolyte sheets: ``per_cathode`` of them for each cathode sheet.

    ``li2s_fraction`` is the mass share of Li2S in the electrolyte (about 0.40
    for an argyrodite); it applies to the SE in composite electrodes too.
    ``sheet`` defaults to the anode's (else the cathode's) size.
    """

    per_cathode: Count
    thickness: Length
    density: Density
    li2s_fraction: Probability = 0.0
    sheet: Sheet | None = None
    item: ItemName = "se_sheet"


class Cell(SpecModel):
    """A stacked cell: nominal voltage, cathode (sets the capacity), anode, electrolyte layers."""

    voltage: Voltage
    cathode: Electrode
    anode: Electrode | None = None
    electrolyte_layers: ElectrolyteLayers | None = None
