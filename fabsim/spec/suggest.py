"""The "did you mean" hint: the one place that guesses the name a planner meant.

Every misspelt name (a field, a step, an item, a ``--set`` path, a weekday)
is answered with the same rule and the same words, so a hint reads the same
wherever it appears.

Example:
    >>> "unknown field" + did_you_mean("yeild", ["machines", "yield"])
    "unknown field (did you mean 'yield'?)"
"""

from __future__ import annotations

from collections.abc import Iterable


def closest(word: object, choices: Iterable[object], *, sole: bool = False) -> str | None:
    """The choice most like ``word`` (as text), or None when none is close.

    With ``sole``, a lone choice is offered even when it is not alike: when
    only one name could be meant, it is the likely one.

    Example:
        >>> closest("stak", ["stack", "press"])
        'stack'
        >>> closest("cell", ["stack"]), closest("cell", ["stack"], sole=True)
        (None, 'stack')
    """
    import difflib  # only on a mistake: not worth its import on every start

    names = sorted(str(choice) for choice in choices)
    hint = difflib.get_close_matches(str(word), names, n=1)
    if hint:
        return hint[0]
    return names[0] if sole and len(names) == 1 else None


def did_you_mean(word: object, choices: Iterable[object], *, sole: bool = False) -> str:
    """`` (did you mean 'stack'?)`` for the closest choice, or ``""`` when none is close.

    ``sole`` is as for :func:`closest`.

    Example:
        >>> did_you_mean("stak", ["stack", "press"])
        " (did you mean 'stack'?)"
        >>> did_you_mean("xyz", ["stack", "press"])
        ''
    """
    hint = closest(word, choices, sole=sole)
    return "" if hint is None else f" (did you mean {hint!r}?)"
