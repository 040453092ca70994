"""Compile the engine's cycle path with Cython when fabsim is installed.

Four modules run every simulated cycle: the clock, the random-draw blocks,
the buffers and the machines (``fabsim/sim/{clock,streams,buffer,machine}``).
They stay plain Python, the one source of truth; a ``.pxd`` file beside each
declares its classes as C structs with typed fields, so the compiled copy
reads a field without a dictionary or descriptor lookup. The compiled
modules make the same calls in the same order on the same floats: results
are identical, byte for byte (``tests/test_compiled.py``).

``pip install -e .`` (what ``make`` runs) compiles them in place, beside
their sources; a wheel carries them. Without a C compiler fabsim runs as
plain Python, slower but the same (``make`` prints which engine it has).

Run by hand to rebuild after editing one of the four modules, or to go
back to plain Python (before checking out an older commit, say)::

    .venv/bin/python hatch_build.py
    .venv/bin/python hatch_build.py --remove

pip shows the build's messages only with ``-v``, so ``make`` prints which
engine it installed.
"""

from __future__ import annotations

import os
import sys
import sysconfig
from pathlib import Path

CORE = ("clock", "streams", "buffer", "machine")
PACKAGE = "fabsim/sim"
# annotation_typing off: only the .pxd files type anything, so an annotation
# written for readers ("made: int") never changes what the compiled code does.
DIRECTIVES = {"language_level": 3, "annotation_typing": False, "binding": True}


def compiled_name(module: str) -> str:
    """The file name of a compiled module on this interpreter.

    Example:
        >>> compiled_name("machine").startswith("machine.")
        True
    """
    return module + sysconfig.get_config_var("EXT_SUFFIX")


def compile_core(root: str | os.PathLike = ".") -> list[str]:
    """Compile the four engine modules in place; return their paths, relative to ``root``."""
    from Cython.Build import cythonize
    from setuptools import Distribution, Extension

    root = Path(root).resolve()
    # A failed build must not leave the last one in place: Python would
    # import it ahead of the edited source and run the old code.
    remove_compiled(root)
    here = Path.cwd()
    os.chdir(root)  # setuptools builds relative to the project
    try:
        extensions = [Extension(f"fabsim.sim.{name}", [f"{PACKAGE}/{name}.py"]) for name in CORE]
        modules = cythonize(
            extensions,
            compiler_directives=DIRECTIVES,
            build_dir="build/cython",  # generated C stays out of the package
            quiet=True,
        )
        distribution = Distribution({"name": "fabsim", "ext_modules": modules})
        command = distribution.get_command_obj("build_ext")
        command.inplace = True
        command.build_temp = "build/temp"
        command.ensure_finalized()
        command.run()
    finally:
        os.chdir(here)
    return [f"{PACKAGE}/{compiled_name(name)}" for name in CORE]


def remove_compiled(root: str | os.PathLike = ".") -> list[Path]:
    """Delete the compiled engine modules built in place (``make clean`` runs this too)."""
    package = Path(root) / PACKAGE
    gone = [
        path
        for name in CORE
        for path in package.glob(f"{name}.*")
        if path.suffix in (".so", ".pyd")
    ]
    for path in gone:
        path.unlink()
    return gone


try:
    from hatchling.builders.hooks.plugin.interface import BuildHookInterface
except ImportError:  # run as a script, outside a build
    BuildHookInterface = object


class CustomBuildHook(BuildHookInterface):
    """hatchling's hook: compile before the wheel (or editable wheel) is built."""

    def initialize(self, version: str, build_data: dict) -> None:
        if self.target_name != "wheel":
            return
        try:
            built = compile_core(self.root)
        except Exception as error:  # no compiler: the pure-Python engine still works
            print(
                f"fabsim: the engine was not compiled ({error}); it runs as plain Python, "
                "with the same results, about twice as slow.",
                file=sys.stderr,
            )
            return
        build_data["pure_python"] = False
        build_data["infer_tag"] = True
        if version == "standard":  # an editable install finds them in the source tree
            for path in built:
                build_data["force_include"][path] = path


if __name__ == "__main__":
    if sys.argv[1:] == ["--remove"]:
        for path in remove_compiled(Path(__file__).parent):
            print("removed", path)
    else:
        for path in compile_core(Path(__file__).parent):
            print("compiled", path)
