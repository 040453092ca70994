"""KPIs, capacity, bottleneck and statistics over replications."""

from fabsim.analysis.capacity import line_capacity, step_capacities
from fabsim.analysis.line_results import LineResults
from fabsim.analysis.stats import Estimate, estimate, paired_difference

__all__ = [
    "Estimate",
    "LineResults",
    "estimate",
    "line_capacity",
    "paired_difference",
    "step_capacities",
]
