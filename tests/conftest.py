"""Shared helpers: build specs from YAML text and run them quickly."""

from __future__ import annotations

import os
import textwrap

import pytest

from fabsim.analysis.line_results import LineResults
from fabsim.experiment.replications import run_replications
from fabsim.spec import load_spec_text

# Commands print for the terminal's width, or COLUMNS (rich's rule). Tests
# that read the layout get a fixed one; the 80-column test sets its own.
os.environ["COLUMNS"] = "120"


def spec_from(yaml_text: str, overrides=()):
    """A validated spec from an indented YAML literal."""
    return load_spec_text(textwrap.dedent(yaml_text), "test.yaml", overrides)


def simulate_text(
    yaml_text: str, replications: int = 10, seed: int = 1, workers: int = 1, **kwargs
) -> LineResults:
    spec = spec_from(yaml_text)
    runs = run_replications(spec, replications, seed, workers=workers, **kwargs)
    return LineResults(spec, runs, seed)


def weekly_units_by_hand(cycle_h: float, start: float, halfway: float, weeks: int) -> list[int]:
    """Units a one-machine step finishes per week when its cycle ramps from
    ``start`` x ``cycle_h`` (gap halving every ``halfway`` units), walked unit
    by unit: an independent count for the ramp-up tests."""
    counts, clock, n = [0] * weeks, 0.0, 0
    while True:
        clock += cycle_h * (1 - (1 - start) * 0.5 ** (n / halfway))
        if clock >= weeks * 168:
            return counts
        counts[int(clock // 168)] += 1
        n += 1


@pytest.fixture
def three_step_path() -> str:
    return "process_specs/examples/three_step.yaml"
