"""``compare --equal capex|output``: scale a line by parallel copies before comparing.

Comparing a 1 GWh semi-solid line with an all-solid line of a different
size answers the wrong question. Scaling the second line by a factor ``f``
stands for ``f`` parallel copies of it: every step's machine count, every
buffer, every supply (lot, store, initial stock) and the floor space
(building, dry room) scale by ``f`` (machines rounded to whole machines,
at least one; the factor is corrected until the rounding comes closest).
``--set`` overrides apply after the scaling: what a planner sets, stays. ``capex`` makes both
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

    Machines are rounded to whole machines (at least one); a buffer or store
    never shrinks below what one cycle of a step that uses it takes (a copy
    still runs whole batches); ranges on what is scaled scale with it, so
    the estimate's span stays around the scaled value.

    Example:
        >>> scaled_overrides(spec, 2.0)[:1]        # doctest: +SKIP
        ['steps.coating.machines=2']
    """
    sets = []
    for step_id, step in spec.steps.items():
        sets.append(f"steps.{step_id}.machines={max(1, round(step.machines * factor))}")
        if "machines" in step.ranges:
            low, high = (max(1, round(float(b) * factor)) for b in step.ranges["machines"])
            sets.append(f"steps.{step_id}.ranges.machines=[{low}, {high}]")
    scaled: dict[str, float] = {}  # line-level path -> factor its ranges scale by
    for item, entry in spec.buffers.items():
        if entry.capacity is not None:
            capacity = max(math.ceil(entry.capacity * factor), _one_cycle(spec, item))
            dwell = f", max_dwell: {entry.max_dwell!r} h" if entry.max_dwell else ""
            sets.append(f"buffers.{item}={{capacity: {capacity}{dwell}}}")
            ratio = capacity / entry.capacity if entry.capacity else 1.0
            scaled[f"buffers.{item}"] = scaled[f"buffers.{item}.capacity"] = ratio
    if spec.costs is not None:  # each copy has its own floor space
        for name in ("building", "dry_room"):
            space = getattr(spec.costs, name)
            if space is not None:
                sets.append(f"costs.{name}.area={space.area * factor!r} m2")
                scaled[f"costs.{name}.area"] = factor
    for name, supply in spec.supplies.items():
        values = {
            "lot": max(1, round(supply.lot * factor)),
            "initial": round(supply.initial * factor),
        }
        if supply.capacity is not None:
            values["capacity"] = max(
                1, round(supply.capacity * factor), _one_cycle(spec, supply.item)
            )
            values["initial"] = min(values["initial"], values["capacity"])
        for field, value in values.items():
            sets.append(f"supplies.{name}.{field}={value}")
            original = getattr(supply, field)
            scaled[f"supplies.{name}.{field}"] = value / original if original else 1.0
    for path, (low, high) in spec.ranges.items():
        if path in scaled:
            ratio = scaled[path]
            low_text, high_text = _scaled(low, ratio, up=False), _scaled(high, ratio, up=True)
            name = path.split(".")[1] if path.startswith("supplies.") else None
            store = spec.supplies[name] if name else None
            # a store's stock and its capacity bound each other: keep each span inside
            if store and path.endswith(".capacity"):
                low_text = str(max(int(float(low_text)), round(store.initial * factor)))
            if store and path.endswith(".initial") and store.capacity is not None:
                capacity = max(1, round(store.capacity * factor), _one_cycle(spec, store.item))
                high_text = str(min(int(float(high_text)), capacity))
            sets.append(f"ranges.{path}=[{low_text}, {high_text}]")
    return sets


def _one_cycle(spec: LineSpec, item: str) -> int:
    """The most of ``item`` one cycle of any step that uses it takes."""
    takes = [
        step.uses[item] * step.smallest_take for step in spec.steps.values() if item in step.uses
    ]
    return max(takes, default=1)


def _scaled(bound: object, ratio: float, up: bool) -> str:
    """A range bound times ``ratio``, its unit kept; counts rounded outwards."""
    from fabsim.experiment.points import split_number

    number, unit = split_number(bound)
    number *= ratio
    if isinstance(bound, int) or (not unit and float(number).is_integer()):
        text = str(math.ceil(number) if up else max(1, math.floor(number)))
    else:
        text = repr(number)
    return f"{text} {unit}" if unit else text


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
        if not spec.source:
            raise ValueError(f"{spec.label} was not loaded from a file")
        factor, scaled = _closest(base, spec, by)
        out.append(scaled)
        notes[scaled.label] = _note(base, spec, scaled, factor, by)
    return out, notes


def _closest(base: LineSpec, spec: LineSpec, by: str, tries: int = 6) -> tuple[float, LineSpec]:
    """The factor whose whole-machine rounding comes closest to the base's size.

    Rounding machines to whole numbers misses the exact factor (a step of one
    machine stays one machine), so the factor is corrected by the miss a few
    times and the closest result kept.
    """
    target = size(base, by)
    factor = scale_factor(base, spec, by)
    best: tuple[float, float, LineSpec] | None = None
    for _ in range(tries):
        scaling = scaled_overrides(spec, factor)
        scaled = load_spec(spec.source, scaling + list(spec.overrides), spec.scenario)
        scaled._overrides, scaled._scaling = spec.overrides, tuple(scaling)
        reached = size(scaled, by)
        miss = abs(reached / target - 1)
        if best is None or miss < best[0]:
            best = (miss, factor, scaled)
        if miss < 0.005 or not reached:
            break
        factor *= target / reached
    return best[1], best[2]


def _note(base: LineSpec, spec: LineSpec, scaled: LineSpec, factor: float, by: str) -> str:
    values = (size(spec, by), size(scaled, by), size(base, by))
    if by == "capex":
        amounts = [f"{v / 1e6:.4g} M{base.costs.currency}" for v in values]
    else:
        amounts = [f"{v * 8760 / 1e6:.3g} GWh/yr nameplate" for v in values]
    return (
        f"{scaled.label} scaled x{factor:.3g} (parallel copies: machines, buffers, supplies, "
        f"floor space; machines rounded to whole ones): {amounts[0]} -> {amounts[1]}, "
        f"against {amounts[2]} of {base.label}"
    )
