"""Whether this engine runs compiled, and whether the compiled copy is current.

The cycle path (clock, draws, buffers, machines) is compiled with Cython at
install (``hatch_build.py``); the Python sources stay the one definition.
A compiled copy older than its source would silently run the old code, so
the tests ask (``tests/test_compiled.py``).

Example:
    >>> sorted(compiled_modules())[:1] in ([], ["buffer"])
    True
"""

from __future__ import annotations

import importlib
from pathlib import Path

CORE = ("clock", "streams", "buffer", "machine")


def compiled_modules() -> list[str]:
    """The engine modules imported from a compiled file (empty: plain Python)."""
    out = []
    for name in CORE:
        module = importlib.import_module(f"fabsim.sim.{name}")
        if not module.__file__.endswith(".py"):
            out.append(name)
    return out


def stale_modules() -> list[str]:
    """Compiled modules whose ``.py`` or ``.pxd`` changed after they were built."""
    stale = []
    for name in compiled_modules():
        built = Path(importlib.import_module(f"fabsim.sim.{name}").__file__)
        for source in (built.with_name(f"{name}.py"), built.with_name(f"{name}.pxd")):
            if source.exists() and source.stat().st_mtime > built.stat().st_mtime:
                stale.append(name)
                break
    return stale


def engine_build() -> str:
    """``compiled``, ``partly compiled`` or ``plain Python`` (for benchmarks and bug reports).

    Example:
        >>> engine_build() in ("compiled", "plain Python", "partly compiled")
        True
    """
    compiled = compiled_modules()
    if not compiled:
        return "plain Python"
    return "compiled" if len(compiled) == len(CORE) else "partly compiled"
