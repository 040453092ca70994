"""The material flow of a line holds together: every item is made, used and fits its buffer.

A spec whose fields are each valid can still describe a line that cannot
run: an item used but never made (often a typo), an item made but never
used, a buffer too small for what its user takes, a cycle among the steps.

Example:
    >>> spec = LineSpec.model_validate({
    ...     "line": "Example", "product": {"item": "cell", "energy": "0.2 kWh"},
    ...     "steps": {"stacking": {"makes": {"stak": 1}, "cycle": "60 s"},
    ...               "press": {"uses": {"stack": 1}, "makes": {"cell": 1}, "cycle": "1 h"}}})
    >>> found = check_flow(spec, Origins("line.yaml", {}))
    >>> found[0].path, found[0].message
    ('steps.press.uses.stack', "item 'stack' is used but no step makes it (did you mean 'stak'?)")
"""

from __future__ import annotations

from fabsim.spec.errors import Problem
from fabsim.spec.flow import Flow
from fabsim.spec.models import LineSpec
from fabsim.spec.origins import Origins
from fabsim.spec.suggest import closest, did_you_mean


def check_flow(spec: LineSpec, origins: Origins) -> list[Problem]:
    """Items used but never made, dead ends, cycles, buffers too small to feed.

    A misspelt name is reported once, with its likely meaning, and not again
    as the dead end it leaves.

    Example:
        >>> spec = LineSpec.model_validate({
        ...     "line": "Example", "product": {"item": "cel", "energy": "0.2 kWh"},
        ...     "steps": {"stacking": {"makes": {"stack": 1}, "cycle": "60 s"},
        ...               "press": {"uses": {"stack": 1}, "makes": {"cell": 1}, "cycle": "1 h"}}})
        >>> for found in check_flow(spec, Origins("line.yaml", {("product", "item"): 2})):
        ...     print(found)
        line.yaml:2: product.item: no step makes the product 'cel' (did you mean 'cell'?)
    """
    flow = Flow(spec)
    problems: list[Problem] = []
    product = spec.product.item
    dead_ends = sorted(item for item in flow.makers if item not in flow.users and item != product)
    suggested: set[str] = set()  # a typo shows once, not also as its consequences
    if product not in flow.makers:
        hint = closest(product, dead_ends, sole=True)
        if hint is not None:
            suggested.add(hint)
        suggestion = did_you_mean(product, dead_ends, sole=True)
        problems.append(
            origins.problem(
                ("product", "item"), f"no step makes the product {product!r}{suggestion}"
            )
        )
    if product in flow.users:
        problems.append(
            origins.problem(
                ("product", "item"),
                f"the product {product!r} is used "
                f"by step {flow.users[product][0]!r}; the product "
                "must be the last item of the line",
            )
        )
    supplied = spec.supplied_items
    for item, users in flow.users.items():
        if item not in flow.makers and item not in supplied:
            hint = closest(item, flow.makers)
            if hint is not None:
                suggested.add(hint)
            suggestion = did_you_mean(item, flow.makers)
            for user in users:
                problems.append(
                    origins.problem(
                        ("steps", user, "uses", item),
                        f"item {item!r} is used but no step makes it{suggestion}",
                    )
                )
    for item, makers in flow.makers.items():
        if item not in flow.users and item != product and item not in suggested:
            for maker in makers:
                problems.append(
                    origins.problem(
                        ("steps", maker, "makes", item),
                        f"item {item!r} is made but no step uses it "
                        f"and it is not the product ({product!r})",
                    )
                )
    for item in spec.buffers:
        capacity = spec.buffer_capacity(item)
        if item == product:
            problems.append(
                origins.problem(("buffers", item), "the product leaves the line; it has no buffer")
            )
        elif item not in flow.makers and item not in flow.users:
            suggestion = did_you_mean(item, flow.makers)
            problems.append(
                origins.problem(("buffers", item), f"no step makes or uses {item!r}{suggestion}")
            )
        else:
            for user in flow.users.get(item, []):
                step = spec.steps[user]
                need = step.uses[item] * step.smallest_take
                if need > capacity > 0:  # 0: linked directly, the user's infeed takes it
                    problems.append(
                        origins.problem(
                            ("buffers", item),
                            f"capacity {capacity:g} is less than the {need} that "
                            f"step {user!r} takes per cycle; the line would stop for good",
                        )
                    )
    introduced = {name for step in spec.steps.values() for name in step.defects}
    for step_id, step in spec.steps.items():
        for name in step.detects:
            if name not in introduced:
                problems.append(
                    origins.problem(
                        ("steps", step_id, "detects", name),
                        f"no step introduces the defect {name!r}",
                    )
                )
    if not problems:
        try:
            flow.order  # noqa: B018 - computing the order is the cycle check
        except ValueError as cycle:
            first = str(cycle).split(" -> ")[0]
            problems.append(
                origins.problem(("steps", first, "uses"), f"the flow has a cycle: {cycle}")
            )
    return problems
