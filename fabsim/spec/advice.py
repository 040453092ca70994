"""Warnings about a valid spec: things a planner probably meant otherwise.

They never stop a run (``fabsim validate`` prints them and still says OK):
a stacking step whose ``uses`` disagree with the cell design's sheets per
cell, and steps left without ``cost:`` in a line that has ``costs:``.

Example:
    >>> from fabsim.spec.loading import load_spec_text
    >>> spec = load_spec_text('''
    ... line: X
    ... product: {item: cell}
    ... cell: {voltage: 3.6 V, cathode: {loading: 20 mg/cm2, active_fraction: 0.9,
    ...        specific_capacity: 180 mAh/g, sheet: [100 mm, 50 mm], layers: 10}}
    ... steps: {cutting: {makes: {cathode_sheet: 100}, cycle: 1 min},
    ...         stacking: {uses: {cathode_sheet: 12}, makes: {cell: 1}, cycle: 30 s}}
    ... ''')
    >>> spec_warnings(spec)
    ['steps.stacking uses 12 cathode_sheet per cell, the cell design 10 (cell.cathode.layers)']
"""

from __future__ import annotations

from fabsim.spec.cell_design import design_of
from fabsim.spec.models import LineSpec

_WHERE = {"cathode": "cell.cathode.layers", "anode": "cell.anode.layers"}


def spec_warnings(spec: LineSpec) -> list[str]:
    """What looks wrong in a valid spec, one sentence each (empty when nothing does)."""
    return _sheet_warnings(spec) + _cost_warnings(spec)


def _design_fields(spec: LineSpec) -> dict[str, str]:
    """Each sheet item of the design and the field that sets its count."""
    cell = spec.cell
    fields = {cell.cathode.item or "cathode_sheet": _WHERE["cathode"]}
    if cell.anode is not None:
        fields[cell.anode.item or "anode_sheet"] = _WHERE["anode"]
    if cell.electrolyte_layers is not None:
        fields[cell.electrolyte_layers.item] = "cell.electrolyte_layers.per_cathode"
    return fields


def _sheet_warnings(spec: LineSpec) -> list[str]:
    if spec.cell is None:
        return []
    design = design_of(spec.cell)
    warnings = []
    for item, field in _design_fields(spec).items():
        users = [(s, step) for s, step in spec.steps.items() if item in step.uses]
        if not users:
            warnings.append(f"no step uses {item}, which the cell design stacks ({field})")
        for step_id, step in users:
            per_unit = step.uses[item] / step.output_per_unit
            if abs(per_unit - design.sheets[item]) > 1e-9:
                warnings.append(
                    f"steps.{step_id} uses {per_unit:g} {item} per {step.output}, "
                    f"the cell design {design.sheets[item]} ({field})"
                )
    return warnings


def _cost_warnings(spec: LineSpec) -> list[str]:
    if spec.costs is None:
        return []
    missing = [s for s, step in spec.steps.items() if step.cost is None]
    if not missing:
        return []
    return [
        f"no cost: for {', '.join(missing)}; their capex, labour, power and material count as zero"
    ]
