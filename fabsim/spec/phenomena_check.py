"""Disturbances and supplies refer to what the line has.

A disturbance stops steps and scraps buffers, and a supply delivers a raw
item to the steps that use it; each name they give must exist in the line,
and a supply must fit the flow (it delivers what no step makes, and enough
for one cycle of each user).

Example:
    >>> spec = LineSpec.model_validate({
    ...     "line": "Example", "product": {"item": "cell", "energy": "0.2 kWh"},
    ...     "steps": {"press": {"makes": {"cell": 1}, "cycle": "1 h"}},
    ...     "disturbances": {"humidity": {"every": "1 d", "duration": "1 h", "stops": ["pres"]}}})
    >>> print(check_phenomena(spec, Origins("line.yaml", {}))[0])
    line.yaml: disturbances.humidity.stops.0: no step 'pres' to stop (did you mean 'press'?)
"""

from __future__ import annotations

from fabsim.spec.errors import Problem
from fabsim.spec.flow import Flow
from fabsim.spec.models import LineSpec
from fabsim.spec.origins import Origins
from fabsim.spec.suggest import did_you_mean


def check_phenomena(spec: LineSpec, origins: Origins) -> list[Problem]:
    """Disturbances and supplies name steps, buffers and items the line has.

    Example:
        >>> spec = LineSpec.model_validate({
        ...     "line": "Example", "product": {"item": "cell", "energy": "0.2 kWh"},
        ...     "steps": {"press": {"uses": {"foil": 1}, "makes": {"cell": 1}, "cycle": "1 h"}},
        ...     "supplies": {"vendor": {"item": "fiol", "every": "1 d", "lot": 100}}})
        >>> print(check_phenomena(spec, Origins("line.yaml", {}))[0])
        line.yaml: supplies.vendor.item: no step uses 'fiol', so nothing draws on it
    """
    flow = Flow(spec)
    problems: list[Problem] = []
    steps = sorted(spec.steps)
    held = sorted(set(flow.makers) - {spec.product.item})
    for name, disturbance in spec.disturbances.items():
        for i, step_id in enumerate(disturbance.stops):
            if step_id not in spec.steps:
                problems.append(
                    origins.problem(
                        ("disturbances", name, "stops", i),
                        f"no step {step_id!r} to stop{did_you_mean(step_id, steps)}",
                    )
                )
        for item in disturbance.scraps:
            if item not in held and item not in spec.supplied_items:
                problems.append(
                    origins.problem(
                        ("disturbances", name, "scraps", item),
                        f"no buffer holds {item!r}{did_you_mean(item, held)}",
                    )
                )
    seen: dict[str, str] = {}
    for name, supply in spec.supplies.items():
        where = ("supplies", name, "item")
        if supply.item in flow.makers:
            maker = flow.makers[supply.item][0]
            problems.append(
                origins.problem(
                    where,
                    f"item {supply.item!r} is made by step {maker!r}; a supply "
                    "delivers a raw item that no step makes",
                )
            )
        elif supply.item not in flow.users:
            problems.append(
                origins.problem(where, f"no step uses {supply.item!r}, so nothing draws on it")
            )
        if supply.item in seen:
            problems.append(
                origins.problem(
                    where, f"item {supply.item!r} already comes from supply {seen[supply.item]!r}"
                )
            )
        seen.setdefault(supply.item, name)
        if supply.capacity is not None:
            for user in flow.users.get(supply.item, []):
                step = spec.steps[user]
                need = step.uses[supply.item] * step.smallest_take
                if need > supply.capacity:
                    problems.append(
                        origins.problem(
                            ("supplies", name, "capacity"),
                            f"capacity {supply.capacity} is less than the {need} that "
                            f"step {user!r} takes per cycle; the line would stop for good",
                        )
                    )
    for item, entry in spec.buffers.items():
        supplied_only = item in spec.supplied_items and item not in flow.makers
        if supplied_only and entry.max_dwell is not None:
            problems.append(
                origins.problem(
                    ("buffers", item, "max_dwell"),
                    f"{item!r} is kept in the store of supply "
                    f"{spec.supplied_items[item]!r}, which has no dwell limit "
                    "(dwell limits apply to buffers between steps)",
                )
            )
        if supplied_only and entry.capacity is not None:
            name = spec.supplied_items[item]
            problems.append(
                origins.problem(
                    ("buffers", item, "capacity"),
                    f"{item!r} is kept in the store of supply {name!r}; give its "
                    f"capacity as supplies.{name}.capacity",
                )
            )
    return problems
