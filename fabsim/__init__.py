"""fabsim: discrete-event simulation of battery-cell production lines.

The Python API does everything the CLI does:

    >>> import fabsim                                                   # doctest: +SKIP
    >>> spec = fabsim.load_spec("semi_solid")                            # doctest: +SKIP
    >>> results = fabsim.simulate(spec, replications=10, seed=1)         # doctest: +SKIP
    >>> results.kpi("gwh_per_year")                                      # doctest: +SKIP
"""

from fabsim.api import compare, load_spec, rampup, simulate
from fabsim.spec.errors import SpecError

__all__ = ["SpecError", "compare", "load_spec", "rampup", "simulate"]
__version__ = "0.1.0"
