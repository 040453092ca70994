"""The reference lines shipped with fabsim, found by name.

``fabsim run semi_solid`` works from any directory: a name that is not a file
is looked up among the shipped specs (installed as package data, or in the
source tree's ``process_specs/`` when running from a checkout).

Example:
    >>> sorted(shipped())[:1]     # doctest: +SKIP
    ['all_solid_sulfide']
"""

from __future__ import annotations

import os
from pathlib import Path

REFERENCE_LINES = ("semi_solid", "all_solid_sulfide")
"""The lines ``fabsim compare`` compares when given none."""


def spec_folder() -> Path:
    """Where the shipped specs are: package data if installed, else the checkout."""
    installed = Path(__file__).resolve().parent.parent / "process_specs"
    if installed.is_dir():
        return installed
    return Path(__file__).resolve().parent.parent.parent / "process_specs"


def shipped() -> dict[str, Path]:
    """Names of the shipped line specs (file stem, examples included) and their paths."""
    folder = spec_folder()
    found = {p.stem: p for p in sorted(folder.glob("examples/*.yaml"))}
    found.update({p.stem: p for p in sorted(folder.glob("*.yaml"))})
    return found


def resolve(name: str) -> str:
    """A file path as given if it exists, else the shipped spec of that name."""
    if os.path.exists(name) or os.sep in name or name.endswith((".yaml", ".yml")):
        return name
    return str(shipped().get(name, name))


def looks_like_a_name(text: str) -> bool:
    """A bare name (``semi_solidd``), not a path or a ``.yaml`` file."""
    return os.sep not in text and "/" not in text and not text.endswith((".yaml", ".yml"))


def unknown_line(name: str) -> str:
    """The message for a name that is neither a file nor a shipped line, with a suggestion.

    Example:
        >>> unknown_line("semi_solidd")
        'no such file or shipped line; did you mean semi_solid?'
    """
    from difflib import get_close_matches

    names = list(shipped())
    close = get_close_matches(name, names, n=1, cutoff=0.6)
    if close:
        return f"no such file or shipped line; did you mean {close[0]}?"
    return "no such file or shipped line (fabsim specs lists them: " + ", ".join(names) + ")"
