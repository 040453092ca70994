"""What a ``cell:`` block implies: capacity, energy, sheets per cell, material masses.

Capacity (Ah) = cathode loading x active fraction x specific capacity x
sheet area x sides x layers: the cathode sets it (the anode is sized above
it; its ratio, N/P, is reported). Energy = capacity x nominal voltage.
Masses per cell follow from the same numbers; the solid electrolyte counts
the electrolyte layers (area x thickness x density) and the SE share of
composite electrodes, and Li2S is the stated share of that SE.

Example:
    >>> from fabsim.spec.cell_models import Cell
    >>> cell = Cell.model_validate({"voltage": "3.65 V", "cathode": {
    ...     "loading": "23 mg/cm2", "active_fraction": 0.96, "specific_capacity": "200 mAh/g",
    ...     "sheet": ["400 mm", "105 mm"], "layers": 27}})
    >>> design = design_of(cell)
    >>> round(design.capacity_ah, 1), round(design.energy_wh, 1)
    (100.2, 365.6)
"""

from __future__ import annotations

from dataclasses import dataclass

from fabsim.spec.cell_models import Cell, Electrode


@dataclass(frozen=True)
class CellDesign:
    """The numbers derived from a cell block (see the module docstring)."""

    capacity_ah: float
    energy_wh: float
    voltage: float
    np_ratio: float | None  # anode over cathode capacity; None without an anode
    sheets: dict[str, int]  # stacked sheets per cell, by item
    mass_g: dict[str, float]  # material per cell, by material

    @property
    def picks(self) -> int:
        """Sheets a stacker places per cell."""
        return sum(self.sheets.values())

    def to_dict(self) -> dict:
        """The ``fabsim cell --json`` object."""
        return {
            "capacity_ah": self.capacity_ah,
            "energy_wh": self.energy_wh,
            "voltage": self.voltage,
            "np_ratio": self.np_ratio,
            "sheets": dict(self.sheets),
            "picks": self.picks,
            "mass_g": dict(self.mass_g),
        }


def sheet_area_cm2(sheet: tuple[float, float]) -> float:
    """Area of a sheet given in mm, in cm2.

    Example:
        >>> sheet_area_cm2((400.0, 105.0))
        420.0
    """
    return sheet[0] * sheet[1] / 100.0


def _coating_g(electrode: Electrode) -> float:
    # mg/cm2 x cm2 x sides x layers, in grams
    area = sheet_area_cm2(electrode.sheet) * electrode.sides * electrode.layers
    return electrode.loading * area / 1000.0


def _capacity_ah(electrode: Electrode) -> float:
    # g of active material x mAh/g, in Ah
    return _coating_g(electrode) * electrode.active_fraction * electrode.specific_capacity / 1000


def design_of(cell: Cell) -> CellDesign:
    """Derive capacity, energy, sheets and masses of one cell from its design."""
    cathode, anode, layers = cell.cathode, cell.anode, cell.electrolyte_layers
    capacity = _capacity_ah(cathode)
    sheets = {cathode.item or "cathode_sheet": cathode.layers}
    mass = {
        "cathode_coating": _coating_g(cathode),
        "cathode_active": _coating_g(cathode) * cathode.active_fraction,
    }
    se = _coating_g(cathode) * cathode.se_fraction
    np_ratio = None
    if anode is not None:
        sheets[anode.item or "anode_sheet"] = sheets.get(anode.item or "anode_sheet", 0) + (
            anode.layers
        )
        mass["anode_coating"] = _coating_g(anode)
        mass["anode_active"] = _coating_g(anode) * anode.active_fraction
        se += _coating_g(anode) * anode.se_fraction
        np_ratio = _capacity_ah(anode) / capacity
    if layers is not None:
        count = layers.per_cathode * cathode.layers
        sheets[layers.item] = sheets.get(layers.item, 0) + count
        size = layers.sheet or (anode.sheet if anode is not None else cathode.sheet)
        # um -> cm is / 10,000; thickness is kept in mm: mm -> cm is / 10
        volume_cm3 = sheet_area_cm2(size) * (layers.thickness / 10.0) * count
        mass["electrolyte_layers"] = volume_cm3 * layers.density
        se_layers = mass["electrolyte_layers"]
        mass["solid_electrolyte"] = se + se_layers
        mass["li2s"] = (se + se_layers) * layers.li2s_fraction
    elif se:
        mass["solid_electrolyte"] = se
    return CellDesign(
        capacity_ah=capacity,
        energy_wh=capacity * cell.voltage,
        voltage=cell.voltage,
        np_ratio=np_ratio,
        sheets=sheets,
        mass_g=mass,
    )
