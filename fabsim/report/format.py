"""Number and bar formatting shared by the terminal reports (no colour logic).

Example:
    >>> number(1234.5)
    '1,234'
    >>> with_ci(Estimate(93.58, 91.21, 95.95, 10))
    '93.6 ± 2.4'
"""

from __future__ import annotations

import math

from rich.text import Text

from fabsim.analysis.stats import Estimate

STATE_MARKS = {
    "busy": "█",
    "setup": "▚",
    "down": "▓",
    "blocked": "▒",
    "starved": "░",
    "disturbed": "×",
    "off_shift": "·",
}
STATE_STYLES = {
    "busy": "green",
    "setup": "cyan",
    "down": "red",
    "blocked": "magenta",
    "starved": "yellow",
    "disturbed": "bright_red",
    "off_shift": "dim",
}


def number(value: float | None, digits: int = 3) -> str:
    """A number with about ``digits`` significant digits, thousands separated."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if value == 0:
        return "0"
    size = abs(value)
    if size >= 10**digits:
        return f"{value:,.0f}"
    decimals = max(0, digits - 1 - math.floor(math.log10(size)))
    return f"{value:,.{decimals}f}"


def percent(value: float | None, digits: int = 1) -> str:
    if value is None or math.isnan(value):
        return "–"
    return f"{value * 100:.{digits}f}%"


def with_ci(estimate: Estimate, scale: float = 1.0, unit: str = "", digits: int = 3) -> str:
    """``mean ± half-width`` (or just the mean when there is no interval)."""
    if estimate.mean is None or math.isnan(estimate.mean):
        return "–"
    mean = estimate.mean * scale
    if estimate.half_width is None:
        return number(mean, digits) + unit
    if estimate.clipped:  # cut at a bound: both ends, as ± would cross it
        low, high = estimate.low * scale, estimate.high * scale
        return f"{number(mean, digits)}{unit} ({number(low, digits)} to {number(high, digits)})"
    half = estimate.half_width * scale
    # Both numbers get the decimals the larger one needs: 0.0125 ± 0.0001.
    size = max(abs(mean), half)
    if size == 0:
        return f"0{unit} ± 0{unit}"
    decimals = max(0, digits - 1 - math.floor(math.log10(size)))
    return f"{mean:,.{decimals}f}{unit} ± {half:,.{decimals}f}{unit}"


def pct_with_ci(estimate: Estimate, digits: int = 1) -> str:
    if estimate.mean is None or math.isnan(estimate.mean):
        return "–"
    text = f"{estimate.mean * 100:.{digits}f}%"
    if estimate.half_width is None:
        return text
    if estimate.clipped:  # cut at 0% or 100%: both ends, as ± would cross the bound
        return f"{text} ({estimate.low * 100:.{digits}f} to {estimate.high * 100:.{digits}f})"
    return f"{text} ± {estimate.half_width * 100:.{digits}f}"


def state_bar(shares: dict[str, float], width: int = 20) -> list[tuple[str, str]]:
    """Segments ``(text, style)`` of a bar whose lengths follow the state shares.

    Largest-remainder rounding keeps the bar exactly ``width`` wide.
    """
    order = [s for s in STATE_MARKS if shares.get(s, 0) > 0]
    exact = {s: shares[s] * width for s in order}
    cells = {s: int(exact[s]) for s in order}
    short = width - sum(cells.values())
    for s in sorted(order, key=lambda s: exact[s] - cells[s], reverse=True)[: max(short, 0)]:
        cells[s] += 1
    return [(STATE_MARKS[s] * cells[s], STATE_STYLES[s]) for s in order if cells[s]]


def duration(hours: float) -> str:
    """A run length as planners say it: '30 d', '12 h', '45 min'."""
    if hours >= 24 and abs(hours / 24 - round(hours / 24)) < 1e-9:
        return f"{round(hours / 24)} d"
    if hours >= 1:
        return f"{hours:g} h" if hours == round(hours, 2) else f"{number(hours)} h"
    return f"{number(hours * 60)} min"


WIDE = 110
"""Terminal columns from which tables show full process tags and the state bar."""


def abbreviate(tag: str, wide: bool) -> str:
    """A process tag as it fits: whole when wide, else each word cut to 4 letters.

    The same tag always gives the same short form, in every table.

    Example:
        >>> abbreviate("dry_electrode_coating", wide=False)
        'dry_elec_coat'
    """
    if wide or len(tag) <= 12:
        return tag
    return "_".join(word[:4] for word in tag.split("_"))


def fit(table):
    """Keep numbers whole at any width: right-aligned columns never shrink below
    their widest cell; text columns wrap instead.

    Example:
        >>> from rich.table import Table
        >>> t = Table(); t.add_column("step"); t.add_column("rate", justify="right")
        >>> t.add_row("stacking", "1,234.5 ± 6.7"); fit(t).columns[1].min_width
        13
    """
    for column in table.columns:
        cells = [c.plain if isinstance(c, Text) else str(c) for c in column._cells]
        lines = [part for cell in cells for part in cell.split("\n")]
        if column.justify == "right":  # numbers: never cut, never wrapped
            column.min_width = max([column.min_width or 0] + [len(line) for line in lines])
            column.no_wrap = True
        else:
            words = [len(word) for line in lines for word in line.split()]
            column.min_width = max([column.min_width or 0] + [min(w, 14) for w in words])
            column.overflow = "fold"
    return table


def fits(table, width: int) -> bool:
    """Whether ``table`` (after :func:`fit`) can be drawn in ``width`` columns uncut.

    Each column needs its minimum width (headers of number columns do not
    wrap either) and one space of padding each side; columns are separated
    by one rule.
    """
    needed = 0
    for column in table.columns:
        header = len(str(column.header)) if column.no_wrap else 0
        needed += max(column.min_width or 1, header) + 2
    return needed + len(table.columns) - 1 <= width


class OneLine(Text):
    """A line printed whole, never wrapped (a command to paste into a shell)."""
