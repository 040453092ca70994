"""The material flow a spec implies: who makes and who uses each item.

Steps are linked only through items (a step ``uses`` what others ``make``),
so the flow is derived, never written. This module derives it once and
answers the questions the model and the reports ask of it.

Example:
    >>> from fabsim.spec.models import LineSpec
    >>> spec = LineSpec.model_validate({
    ...     "line": "demo", "product": {"item": "cell", "energy": "0.2 kWh"},
    ...     "steps": {"stack": {"makes": {"stack": 1}, "cycle": "60 s"},
    ...               "press": {"uses": {"stack": 1}, "makes": {"cell": 1}, "cycle": "30 s"}}})
    >>> Flow(spec).unit_chain
    ('stack', 'press')
"""

from __future__ import annotations

from functools import cached_property

from fabsim.spec.models import LineSpec


class Flow:
    """Makers, users, order, unit chain and bill of materials of one line."""

    def __init__(self, spec: LineSpec):
        self.spec = spec
        self.makers: dict[str, list[str]] = {}
        self.users: dict[str, list[str]] = {}
        for step_id, step in spec.steps.items():
            self.makers.setdefault(step.output, []).append(step_id)
            for item in step.uses:
                self.users.setdefault(item, []).append(step_id)

    @cached_property
    def order(self) -> tuple[str, ...]:
        """Steps upstream first (a topological order); raises ValueError on a cycle."""
        remaining = {
            s: {m for i in step.uses for m in self.makers.get(i, [])}
            for s, step in self.spec.steps.items()
        }
        ordered: list[str] = []
        while remaining:
            ready = [s for s, before in remaining.items() if not before & remaining.keys()]
            if not ready:
                raise ValueError(" -> ".join(self._a_cycle(remaining)))
            for step_id in ready:
                ordered.append(step_id)
                del remaining[step_id]
        return tuple(ordered)

    def _a_cycle(self, remaining: dict[str, set[str]]) -> list[str]:
        # Walk upstream until a step repeats: that loop is the cycle to report.
        start = next(iter(remaining))
        path = [start]
        while True:
            nxt = sorted(remaining[path[-1]] & remaining.keys())[0]
            if nxt in path:
                loop = path[path.index(nxt) :] + [nxt]
                return list(reversed(loop))
            path.append(nxt)

    @cached_property
    def unit_chain(self) -> tuple[str, ...]:
        """Steps a finished unit passes through one-to-one, first step first.

        Walking back from the product, a step belongs to the chain when it
        makes one unit per recipe unit; the walk continues upstream while the
        step turns exactly one unit of one item into that one unit.
        """
        chain: list[str] = []
        item = self.spec.product.item
        while len(self.makers.get(item, [])) == 1:
            step_id = self.makers[item][0]
            step = self.spec.steps[step_id]
            if step.output_per_unit != 1 or step_id in chain:
                break
            chain.append(step_id)
            if len(step.uses) != 1 or next(iter(step.uses.values())) != 1:
                break
            item = next(iter(step.uses))
        return tuple(reversed(chain))

    @cached_property
    def units_per_product(self) -> dict[str, float]:
        """Bill of materials: units of each item inside one finished unit."""
        quantity = {self.spec.product.item: 1.0}
        for step_id in reversed(self.order):
            step = self.spec.steps[step_id]
            share = 1.0 / len(self.makers[step.output])
            per_output = quantity.get(step.output, 0.0) * share / step.output_per_unit
            for item, count in step.uses.items():
                quantity[item] = quantity.get(item, 0.0) + count * per_output
        return quantity

    def downstream(self, step_id: str) -> list[str]:
        """Steps that use what this step makes, directly or further on."""
        seen: list[str] = []
        frontier = [step_id]
        while frontier:
            current = frontier.pop()
            for user in self.users.get(self.spec.steps[current].output, []):
                if user not in seen:
                    seen.append(user)
                    frontier.append(user)
        return seen
