"""pytest, whole project: doctests of compiled engine modules run from tests/test_compiled.py.

pytest's doctest collector imports a module from its .py path and refuses
the compiled copy Python imports instead ("import file mismatch").
"""

import importlib.machinery
from pathlib import Path

_SIM = Path(__file__).parent / "fabsim" / "sim"

collect_ignore = [
    str(_SIM / f"{name}.py")
    for name in ("clock", "streams", "buffer", "machine")
    if any((_SIM / f"{name}{suffix}").exists() for suffix in importlib.machinery.EXTENSION_SUFFIXES)
]
