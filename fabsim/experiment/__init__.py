"""Replications, comparisons and executors."""

from fabsim.experiment.replications import default_workers, run_replications, run_tasks

__all__ = ["default_workers", "run_replications", "run_tasks"]
