"""pytest, whole project: doctests of compiled engine modules run from tests/test_compiled.py.

pytest's doctest collector imports a module from its .py path and refuses
the compiled copy Python imports instead ("import file mismatch").
"""

from pathlib import Path

from fabsim.sim.build import compiled_modules

collect_ignore = [
    str(Path(__file__).parent / "fabsim" / "sim" / f"{name}.py") for name in compiled_modules()
]
