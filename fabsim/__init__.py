"""fabsim: discrete-event simulation of battery-cell production lines.

The Python API does everything the CLI does:

    >>> import fabsim                                                   # doctest: +SKIP
    >>> spec = fabsim.load_spec("semi_solid")                            # doctest: +SKIP
    >>> results = fabsim.simulate(spec, replications=10, seed=1)         # doctest: +SKIP
    >>> results.kpi("gwh_per_year")                                      # doctest: +SKIP

The names below are imported on first use, so ``import fabsim.spec`` or the
``fabsim`` command do not pay for the analysis and experiment modules before
they need them.
"""

from __future__ import annotations

import importlib

__all__ = [
    "SpecError",
    "breakeven",
    "cell_design",
    "compare",
    "load_spec",
    "plan",
    "rampup",
    "sensitivity",
    "simulate",
    "sweep",
]
__version__ = "0.1.0"

# name -> module that defines it
_LAZY = {
    "SpecError": "fabsim.spec.errors",
    "breakeven": "fabsim.api",
    "cell_design": "fabsim.api",
    "plan": "fabsim.api",
    "sensitivity": "fabsim.api",
    "sweep": "fabsim.api",
    "compare": "fabsim.api",
    "load_spec": "fabsim.api",
    "rampup": "fabsim.api",
    "simulate": "fabsim.api",
}


# subpackages that ``import fabsim`` used to import, still reachable as attributes
_SUBMODULES = ("analysis", "api", "experiment", "sim", "spec")


def __getattr__(name: str) -> object:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
    elif name in _SUBMODULES:
        value = importlib.import_module(f"fabsim.{name}")
    else:
        raise AttributeError(f"module 'fabsim' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY, *_SUBMODULES})
