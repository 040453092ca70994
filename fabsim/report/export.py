"""Writing results to files, atomically: a crash never leaves half a file.

A new ``--out`` directory is built under a temporary name and renamed into
place when complete; into an existing directory each file is written to a
temporary name and renamed over the old one.

Example:
    >>> write_outputs("out/run1", {"summary.json": "{}"})   # doctest: +SKIP
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile


def to_json(data: object) -> str:
    """JSON text with NaN and infinities as null (strict JSON parsers reject them)."""
    return json.dumps(_clean(data), indent=2, allow_nan=False) + "\n"


def _clean(value: object) -> object:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_outputs(directory: str, files: dict[str, str]) -> None:
    """Write ``{name: text}`` into ``directory`` so it is complete or untouched."""
    directory = os.path.abspath(directory)
    parent = os.path.dirname(directory)
    os.makedirs(parent, exist_ok=True)
    if not os.path.exists(directory):
        staging = tempfile.mkdtemp(prefix=".fabsim-", dir=parent)
        try:
            for name, text in files.items():
                with open(os.path.join(staging, name), "w", encoding="utf-8") as handle:
                    handle.write(text)
            os.chmod(staging, 0o777 & ~_umask())  # as mkdir would: mkdtemp makes it 0700
            os.rename(staging, directory)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return
    for name, text in files.items():
        target = os.path.join(directory, name)
        handle, temporary = tempfile.mkstemp(prefix=f".{name}.", dir=directory)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(text)
            os.chmod(temporary, 0o666 & ~_umask())  # as open() would: mkstemp makes it 0600
            os.replace(temporary, target)
        except BaseException:
            if os.path.exists(temporary):
                os.unlink(temporary)
            raise
