"""Money as planners write it: ``1.2 MUSD``, ``35 USD/h``, ``0.10 USD/kWh``, ``250 USD/m2/yr``.

pint knows no currencies, so money has its own small reader. An amount is a
number, an optional multiplier (``k`` thousand, ``M`` million, ``bn``
billion) and a three-letter currency code; a rate adds ``/`` and what it is
per. The value keeps its currency (:class:`Money` is a float that knows it),
so the loader can refuse a line that mixes currencies.

Example:
    >>> parse_money("1.2 MUSD", "amount")
    Money(1200000.0, 'USD')
    >>> parse_money("35 USD/h", "per_hour")
    Money(35.0, 'USD')
    >>> parse_money("250 USD/m2/yr", "per_m2_year")
    Money(250.0, 'USD')
"""

from __future__ import annotations

import math
import re

_MULTIPLIERS = {"": 1.0, "k": 1e3, "M": 1e6, "bn": 1e9}

_MONEY = re.compile(
    r"\s*(?P<number>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*"
    r"(?P<multiplier>k|M|bn)?\s*(?P<currency>[A-Z]{3})\s*(?:/\s*(?P<per>.+?))?\s*"
)

_EXAMPLES = {
    "amount": "an amount of money such as '1.2 MUSD' or '10 USD'",
    "per_hour": "a cost per hour such as '35 USD/h'",
    "per_kwh": "a price of electricity such as '0.10 USD/kWh'",
    "per_m2_year": "a cost per m2 and year such as '250 USD/m2/yr'",
}

_PER_M2_YEAR = re.compile(
    r"(?:m2|m\^2|m\*\*2)\s*/\s*(?:yr|year|a)|\(\s*(?:m2|m\^2)\s*\*?\s*(?:yr|year|a)\s*\)"
)


class Money(float):
    """A float in the unit of its ``currency`` (per hour, per kWh, ... as its field says).

    Example:
        >>> price = Money(35.0, "USD")
        >>> price * 2, price.currency
        (70.0, 'USD')
    """

    currency: str | None

    def __new__(cls, value: float, currency: str | None):
        self = super().__new__(cls, value)
        self.currency = currency
        return self

    def __repr__(self) -> str:
        return f"Money({float(self)!r}, {self.currency!r})"

    def __reduce__(self):
        return (Money, (float(self), self.currency))


def parse_money(value: object, kind: str) -> Money:
    """Read ``value`` as money of ``kind`` (``amount``, ``per_hour``, ``per_kwh``, ``per_m2_year``).

    A plain 0 is zero in any currency. Negative amounts are refused: no cost
    in a spec is a gain. Raises ``ValueError`` with a message for planners.

    Example:
        >>> parse_money("0.1 USD/MWh", "per_kwh")
        Money(0.0001, 'USD')
        >>> parse_money("-1 MUSD", "amount")
        Traceback (most recent call last):
        ...
        ValueError: must not be negative, got '-1 MUSD'
    """
    expected = _EXAMPLES[kind]
    if isinstance(value, int | float) and not isinstance(value, bool) and value == 0:
        return Money(0.0, None)
    if not isinstance(value, str) or len(value) > 100:
        raise ValueError(f"expected {expected}, got {_show(value)}")
    found = _MONEY.fullmatch(value)
    if not found:
        hint = " (write the currency code after the number)" if re.search(r"[$€¥£]", value) else ""
        raise ValueError(f"expected {expected}, got {value.strip()!r}{hint}")
    number = float(found["number"]) * _MULTIPLIERS[found["multiplier"] or ""]
    if not math.isfinite(number):
        raise ValueError(f"{value.strip()!r} is not a finite amount")
    if number < 0:
        raise ValueError(f"must not be negative, got {value.strip()!r}")
    per = found["per"]
    if kind == "amount":
        if per:
            raise ValueError(f"expected {expected}, got a rate {value.strip()!r}")
        return Money(number, found["currency"])
    if not per:
        raise ValueError(f"expected {expected}, got {value.strip()!r} (per what?)")
    per_unit = _per(per, kind, expected, value.strip())
    if not per_unit > 0:
        raise ValueError(f"expected {expected}, got {value.strip()!r} (per nothing)")
    return Money(number / per_unit, found["currency"])


def _per(per: str, kind: str, expected: str, text: str) -> float:
    """How many of the field's own unit (hour, kWh, m2 x year) one ``per`` is."""
    from fabsim.spec.units import parse_quantity

    try:
        if kind == "per_hour":
            return parse_quantity(f"1 {per}", "duration")
        if kind == "per_kwh":
            return parse_quantity(f"1 {per}", "energy")
    except ValueError:
        raise ValueError(f"expected {expected}, got {text!r}") from None
    if _PER_M2_YEAR.fullmatch(per.strip()):
        return 1.0
    raise ValueError(f"expected {expected}, got {text!r}")


def _show(value: object) -> str:
    if value is None:
        return "an empty value"
    if isinstance(value, bool):
        return str(value).lower()
    return repr(value) if isinstance(value, str) else f"{value}"
