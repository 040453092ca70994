"""``fabsim cell``: the cell design a spec implies, as tables.

Example:
    >>> from fabsim.spec import load_spec                       # doctest: +SKIP
    >>> spec = load_spec("all_solid_sulfide")                   # doctest: +SKIP
    >>> cell_summary(spec, design_of(spec.cell))                # doctest: +SKIP
"""

from __future__ import annotations

from rich.table import Table

from fabsim.report.format import number
from fabsim.spec.cell_design import CellDesign
from fabsim.spec.models import LineSpec

MASS_LABELS = {
    "cathode_coating": "cathode coating",
    "cathode_active": "  of it active material",
    "anode_coating": "anode coating",
    "anode_active": "  of it active material",
    "electrolyte_layers": "electrolyte layers",
    "solid_electrolyte": "solid electrolyte (layers and electrodes)",
    "li2s": "  of it Li2S",
}


def cell_summary(spec: LineSpec, design: CellDesign) -> list:
    """The design's headline numbers, its sheets and its material per cell."""
    head = Table(title=f"{spec.label}: cell design", title_justify="left")
    head.add_column("")
    head.add_column("value", justify="right")
    head.add_row("Capacity (Ah, cathode-limited)", number(design.capacity_ah, 4))
    head.add_row("Nominal voltage (V)", number(design.voltage, 3))
    head.add_row("Energy (Wh)", number(design.energy_wh, 4))
    if design.np_ratio is not None:
        head.add_row("N/P ratio (anode / cathode capacity)", number(design.np_ratio, 3))
    head.add_row("Picks per cell (sheets stacked)", str(design.picks))
    energy = "from the cell design" if spec.energy_from_cell else "as written in product.energy"
    head.add_row("Energy the line reports", f"{spec.product.energy * 1000:.4g} Wh ({energy})")
    sheets = Table(title="Sheets per cell", title_justify="left")
    sheets.add_column("item")
    sheets.add_column("sheets", justify="right")
    for item, count in design.sheets.items():
        sheets.add_row(item, str(count))
    mass = Table(title="Material per cell", title_justify="left")
    mass.add_column("material")
    mass.add_column("g", justify="right")
    mass.add_column("g/kWh", justify="right")
    for name, grams in design.mass_g.items():
        per_kwh = grams / design.energy_wh * 1000
        mass.add_row(MASS_LABELS.get(name, name), number(grams, 4), number(per_kwh, 4))
    return [head, sheets, mass]
