"""Checks across the cell design and the cost blocks that one field alone cannot make.

* ``product.energy`` and the energy of the ``cell:`` design agree within 1%;
* every money field is in the line's ``costs.currency`` (no currency mix);
* a step ``cost:`` needs the line's ``costs:`` (its currency and rates).

Example:
    >>> from fabsim.spec.loading import load_spec_text
    >>> from fabsim.spec.errors import SpecError
    >>> try:
    ...     load_spec_text("{line: X, product: {item: cell, energy: 0.2 kWh}, "
    ...                    "costs: {currency: USD, labour: 30 EUR/h, electricity: 0.1 USD/kWh}, "
    ...                    "steps: {press: {makes: {cell: 1}, cycle: 1 h}}}")
    ... except SpecError as error:
    ...     print(error.problems[0].message)
    is in EUR, but the line's currency is USD (costs.currency); convert it, one currency per line
"""

from __future__ import annotations

from fabsim.spec.cell_design import design_of
from fabsim.spec.errors import Problem
from fabsim.spec.models import LineSpec
from fabsim.spec.origins import Origins

ENERGY_TOLERANCE = 0.01
"""How far ``product.energy`` may be from the cell design's energy (relative)."""


def check_design(spec: LineSpec, origins: Origins) -> list[Problem]:
    """Energy against the cell design, currencies against ``costs.currency``."""
    return _energy(spec, origins) + _currencies(spec, origins)


def _energy(spec: LineSpec, origins: Origins) -> list[Problem]:
    if spec.cell is None or spec.energy_from_cell:
        return []
    designed = design_of(spec.cell).energy_wh / 1000
    given = spec.product.energy
    gap = abs(given - designed) / designed
    if gap <= ENERGY_TOLERANCE:
        return []
    cell_line = origins.lines.get(("cell",))
    at = f"line {cell_line}" if cell_line else "the cell: block"
    return [
        origins.problem(
            ("product", "energy"),
            f"{given:g} kWh differs by {gap:.1%} from the {designed:.4g} kWh of the cell "
            f"design (cell:, {at}); leave energy out to use the design's, or correct one",
        )
    ]


def _currencies(spec: LineSpec, origins: Origins) -> list[Problem]:
    problems = []
    costs = spec.costs
    fields = {
        ("costs", *name.split(".")): money
        for name, money in (costs.money() if costs else {}).items()
    }
    for step_id, step in spec.steps.items():
        if step.cost is None:
            continue
        if costs is None:
            problems.append(
                origins.problem(
                    ("steps", step_id, "cost"),
                    "a step's cost needs the line's costs: block "
                    "(currency, labour and electricity rates)",
                )
            )
            continue
        fields.update({("steps", step_id, "cost", k): v for k, v in step.cost.money().items()})
    if costs is not None:  # range bounds of money fields are money too
        problems += _range_currencies(spec, costs.currency, origins)
    for path, money in fields.items():
        if costs is not None and money.currency not in (None, costs.currency):
            problems.append(
                origins.problem(
                    path,
                    f"is in {money.currency}, but the line's currency is {costs.currency} "
                    "(costs.currency); convert it, one currency per line",
                )
            )
    return problems


def _range_currencies(spec: LineSpec, currency: str, origins: Origins) -> list[Problem]:
    from fabsim.spec.money import _MONEY

    entries = [(("ranges", p), b) for p, b in spec.ranges.items()]
    entries += [
        (("steps", s, "ranges", f), b)
        for s, step in spec.steps.items()
        for f, b in step.ranges.items()
    ]
    problems = []
    for where, bounds in entries:
        for bound in bounds:
            found = _MONEY.fullmatch(bound) if isinstance(bound, str) else None
            if found and found["currency"] != currency:
                problems.append(
                    origins.problem(
                        where,
                        f"bound {bound!r} is in {found['currency']}, but the line's currency "
                        f"is {currency} (costs.currency)",
                    )
                )
                break
    return problems
