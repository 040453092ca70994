"""Random valid lines always run and always keep the model's invariants.

Hypothesis draws lines as random flows of steps (random ratios, machines,
batches, lots, yields, breakdowns, setups, defects, buffers) and checks, for
each: the run ends (no hang, no deadlock), the material balance holds (the
model checks it itself and raises if not), every machine's state times sum
to the horizon, yields lie in [0, 1], no step makes more than its machines
could in the time, and the same seed gives the same numbers.

``FABSIM_HYPOTHESIS_PROFILE=long pytest tests/test_properties.py`` runs
many more examples than CI does.
"""

from __future__ import annotations

import math
import os

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fabsim.analysis.kpis import line_kpis, step_kpis
from fabsim.sim.line import run_replication
from fabsim.spec import Flow, load_spec_text

settings.register_profile(
    "ci", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "long", max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("FABSIM_HYPOTHESIS_PROFILE", "ci"))

MINUTES = st.integers(min_value=1, max_value=60)


@st.composite
def cycles(draw):
    kind = draw(st.sampled_from(["constant", "uniform", "triangular"]))
    low = draw(MINUTES)
    if kind == "constant":
        return f"{low} min", low
    high = low + draw(st.integers(min_value=1, max_value=30))
    if kind == "uniform":
        return {"dist": "uniform", "low": f"{low} min", "high": f"{high} min"}, low
    mode = draw(st.integers(min_value=low, max_value=high))
    return {
        "dist": "triangular",
        "low": f"{low} min",
        "mode": f"{mode} min",
        "high": f"{high} min",
    }, low


@st.composite
def lines(draw):
    """A random valid line: step i makes item i; later steps use earlier items."""
    count = draw(st.integers(min_value=1, max_value=6))
    steps, shortest, buffers = {}, {}, {}
    defect_names = []
    unused = []
    for i in range(count):
        step: dict = {
            "makes": {
                f"item{i}" if i < count - 1 else "product": draw(
                    st.integers(min_value=1, max_value=20)
                )
            }
        }
        if i > 0:
            # Use every item nobody uses yet (so none is a dead end) plus maybe more.
            chosen = set(unused[-1:]) if i == count - 1 else set()
            chosen |= set(draw(st.lists(st.sampled_from(unused or [f"item{i - 1}"]), max_size=2)))
            if i == count - 1:
                chosen |= set(unused)
            chosen = chosen or {f"item{i - 1}"}
            step["uses"] = {
                item: draw(st.integers(min_value=1, max_value=5)) for item in sorted(chosen)
            }
            unused = [item for item in unused if item not in chosen]
        step["machines"] = draw(st.integers(min_value=1, max_value=3))
        step["cycle"], shortest[f"s{i}"] = draw(cycles())
        shape = draw(st.sampled_from(["single", "batch", "lot"]))
        if shape == "batch":
            size = draw(st.integers(min_value=1, max_value=5))
            step["batch"] = {
                "size": size,
                "min": draw(st.integers(min_value=1, max_value=size)),
                "max_wait": f"{draw(st.integers(0, 30))} min",
            }
        elif shape == "lot":
            step["lot"] = draw(st.integers(min_value=2, max_value=5))
        step["yield"] = draw(st.sampled_from([1.0, 0.99, 0.9, 0.6]))
        if draw(st.booleans()):
            step["failures"] = [
                {
                    "mtbf": f"{draw(st.integers(1, 20))} h",
                    "mttr": f"{draw(st.integers(0, 120))} min",
                }
            ]
        if draw(st.booleans()):
            step["setup"] = {
                "every": draw(st.integers(1, 10)),
                "time": f"{draw(st.integers(1, 30))} min",
            }
        if draw(st.booleans()):
            name = f"d{i}"
            step["defects"] = {name: draw(st.sampled_from([0.01, 0.2]))}
            defect_names.append(name)
        if defect_names and i > 0 and draw(st.booleans()):
            step["detects"] = {defect_names[0]: draw(st.sampled_from([0.5, 1.0]))}
        steps[f"s{i}"] = step
        if i < count - 1:
            unused.append(f"item{i}")
    for step in steps.values():
        take = step.get("batch", {}).get("min", step.get("lot", 1))
        for item, n in step.get("uses", {}).items():
            if draw(st.booleans()):  # a finite buffer, at least one cycle's take
                buffers[item] = max(buffers.get(item, 0), n * take + draw(st.integers(0, 10)))
            elif draw(st.integers(0, 3)) == 0 and item not in buffers:
                buffers[item] = 0  # stations linked directly
    spec = {
        "line": "random",
        "product": {"item": "product", "energy": "1 kWh"},
        "run": {"warmup": "0 h", "horizon": f"{draw(st.integers(5, 60))} h"},
        "buffers": buffers,
        "steps": steps,
    }
    return yaml.safe_dump(spec, sort_keys=False), shortest


@given(lines(), st.integers(min_value=0, max_value=2**31))
def test_random_lines_keep_the_invariants(line, seed):
    text, shortest = line
    spec = load_spec_text(text, "random.yaml")
    result = run_replication(spec, 0, seed=seed)  # raises on a broken material balance
    again = run_replication(spec, 0, seed=seed)
    assert result == again
    flow = Flow(spec)
    for step_id, step in result.steps.items():
        assert math.isclose(
            sum(step.states.values()), step.machines * result.horizon_h, rel_tol=1e-9
        )
        assert min(step.states.values()) >= 0
        kpis = step_kpis(spec, step_id, result)
        if step.made:
            assert 0 <= kpis["yield"] <= 1
        # Capacity bound: no machine finishes more cycles than fit in the window
        # at its shortest possible cycle (a lot's cycle is longer still; the
        # line starts empty: warm-up 0).
        shortest_h = shortest[step_id] / 60
        assert step.cycles <= step.machines * (result.horizon_h / shortest_h + 1)
        # and everything finished was made by every step upstream of the product
        share = flow.units_per_product.get(spec.steps[step_id].output, 1.0)
        assert result.finished * share <= step.good + 1e-9
    values = line_kpis(spec, flow, result)
    for key in ("overall_yield", "rolled_throughput_yield"):
        if not math.isnan(values[key]):
            assert 0 <= values[key] <= 1
