"""``compare --equal capex|output``: scale a line by parallel copies before comparing.

Comparing a 1 GWh semi-solid line with an all-solid line of a different
size answers the wrong question. Scaling the second line by a factor ``f``
stands for ``f`` parallel copies of it: every step's machine count, every
buffer and every supply (lot, store, initial stock) scales by ``f``
(machines rounded to whole machines, at least one). ``capex`` makes both
lines cost the same equipment; ``output`` gives both the same nameplate
energy a year (the line's static bottleneck, :func:`line_capacity`, times
the energy of one unit).

Example:
    >>> factor = scale_factor(base, other, "capex")     # doctest: +SKIP
"""

from __future__ import annotations

import math

from fabsim.analysis.capacity import line_capacity
from fabsim.analysis.cost import capex_by_step
from fabsim.spec.loading import load_spec
from fabsim.spec.models import LineSpec

EQUAL_BY = ("capex", "output")


def size(spec: LineSpec, by: str) -> float:
    """A line's equipment capex, or its nameplate good kWh an hour."""
    if by == "capex":
        return sum(capex_by_step(spec).values())
    good_per_h, _ = line_capacity(spec)
    return good_per_h * spec.product.energy


def scale_factor(base: LineSpec, other: LineSpec, by: str) -> float:
    """How many copies of ``other`` match ``base`` in ``by`` (capex or output).

    Raises ``ValueError`` when the comparison cannot be made (a line without
    costs, or nothing to scale).
    """
    if by == "capex":
        for spec in (base, other):
            if spec.costs is None or not sum(capex_by_step(spec).values()):
                raise ValueError(
                    f"needs capex on both lines; {spec.label} has none "
                    "(give its steps cost: {capex: ...})"
                )
        if base.costs.currency != other.costs.currency:
            raise ValueError(
                f"needs one currency: {base.label} is in {base.costs.currency}, "
                f"{other.label} in {other.costs.currency}"
            )
    theirs = size(other, by)
    if not theirs or not math.isfinite(theirs):
        raise ValueError(f"{other.label} has no finite {by} to scale")
    return size(base, by) / theirs


def scaled_overrides(spec: LineSpec, factor: float) -> list[str]:
    """The ``--set`` overrides that make ``factor`` parallel copies of ``spec``.

    Example:
        >>> scaled_overrides(spec, 2.0)[:1]        # doctest: +SKIP
        ['steps.coating.machines=2']
    """
    sets = []
    for step_id, step in spec.steps.items():
        sets.append(f"steps.{step_id}.machines={max(1, round(step.machines * factor))}")
        if "machines" in step.ranges:  # the estimate's span scales with the line
            low, high = (max(1, round(float(b) * factor)) for b in step.ranges["machines"])
            sets.append(f"steps.{step_id}.ranges.machines=[{low}, {high}]")
    for item, entry in spec.buffers.items():
        if entry.capacity is not None:
            dwell = f", max_dwell: {entry.max_dwell!r} h" if entry.max_dwell else ""
            capacity = math.ceil(entry.capacity * factor)
            sets.append(f"buffers.{item}={{capacity: {capacity}{dwell}}}")
    for name, supply in spec.supplies.items():
        sets.append(f"supplies.{name}.lot={max(1, round(supply.lot * factor))}")
        sets.append(f"supplies.{name}.initial={round(supply.initial * factor)}")
        if supply.capacity is not None:
            sets.append(f"supplies.{name}.capacity={max(1, round(supply.capacity * factor))}")
    return sets


def equalize(specs: list[LineSpec], by: str) -> tuple[list[LineSpec], dict[str, str]]:
    """Scale every line after the first to the first's capex or output (``by``).

    Returns the lines (the first as given) and, per scaled line, what was done
    in words. The scaling is not among a line's ``--set`` overrides: a
    comparison records ``--equal`` instead. Raises ``ValueError`` when a line
    cannot be scaled.

    Example:
        >>> lines, notes = equalize([load_spec("semi_solid"), load_spec("all_solid_sulfide")],
        ...                         "capex")                        # doctest: +SKIP
    """
    if by not in EQUAL_BY:
        raise ValueError("expected 'capex' or 'output'")
    base, out, notes = specs[0], [specs[0]], {}
    for spec in specs[1:]:
        factor = scale_factor(base, spec, by)
        if not spec.source:
            raise ValueError(f"{spec.label} was not loaded from a file")
        scaled = load_spec(
            spec.source, scaled_overrides(spec, factor) + list(spec.overrides), spec.scenario
        )
        scaled._overrides = spec.overrides
        out.append(scaled)
        notes[scaled.label] = _note(base, spec, scaled, factor, by)
    return out, notes


def _note(base: LineSpec, spec: LineSpec, scaled: LineSpec, factor: float, by: str) -> str:
    values = (size(spec, by), size(scaled, by), size(base, by))
    if by == "capex":
        amounts = [f"{v / 1e6:.4g} M{base.costs.currency}" for v in values]
    else:
        amounts = [f"{v * 8760 / 1e6:.3g} GWh/yr nameplate" for v in values]
    return (
        f"{scaled.label} scaled x{factor:.3g} (parallel copies: machines, buffers, "
        f"supplies): {amounts[0]} -> {amounts[1]}, against {amounts[2]} of {base.label}"
    )
