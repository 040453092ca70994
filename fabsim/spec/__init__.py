"""What planners write: the spec models, units, loading and overrides."""

from fabsim.spec.errors import Problem, SpecError
from fabsim.spec.flow import Flow
from fabsim.spec.loading import load_spec, load_spec_text
from fabsim.spec.models import LineSpec, Step

__all__ = ["Flow", "LineSpec", "Problem", "SpecError", "Step", "load_spec", "load_spec_text"]
