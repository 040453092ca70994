"""The spec format as pydantic models: what a planner may write in a line file.

Field names are the planner's words. Durations are stored in hours, energy in
kWh (see :mod:`fabsim.spec.units`). Unknown keys are errors, so a typo never
passes silently.

Limits that keep a spec within what a machine can simulate (beyond those of
:mod:`fabsim.spec.yaml_source` on the file itself): at most 500 steps, 100,000
machines per step, counts up to 10^9, 20 failure modes and 50 ranges per
step, 100,000 values in an empirical distribution. Numbers must be finite, and
``true``/``false`` are not numbers. A step's ``cycle`` must take longer than
zero on average: a cycle that takes no time lets a machine work without the
clock moving, so the simulation would spin without end (and capacities would
be infinite). A zero ``setup`` time or ``mttr`` is allowed: it only removes a
delay.

Example:
    >>> step = Step.model_validate({"makes": {"roll": 1}, "cycle": "50 min"})
    >>> step.cycle.mean_hours
    0.8333333333333334
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    PrivateAttr,
    model_validator,
)

from fabsim.spec.cell_models import Cell
from fabsim.spec.cost_models import Costs, StepCost
from fabsim.spec.fields import (  # noqa: F401 - re-exported: the spec's value types
    _DURATION_SCHEMA,
    Count,
    Duration,
    Energy,
    FieldError,
    Fraction,
    ItemName,
    NonNegativeDuration,
    PlainNumber,
    PositiveDuration,
    Probability,
    SpecModel,
    Yield,
    _as_written,
)
from fabsim.spec.suggest import did_you_mean

# --- distributions of cycle, setup and repair times -------------------------


class Constant(SpecModel):
    """Always the same duration: ``{dist: constant, value: 60 s}`` or just ``60 s``."""

    dist: Literal["constant"]
    value: NonNegativeDuration

    @property
    def mean_hours(self) -> float:
        return self.value


class Exponential(SpecModel):
    """Memoryless durations with the given mean (cv = 1)."""

    dist: Literal["exponential"]
    mean: PositiveDuration

    @property
    def mean_hours(self) -> float:
        return self.mean


class Normal(SpecModel):
    """Normal durations truncated at zero (negative draws are drawn again)."""

    dist: Literal["normal"]
    mean: PositiveDuration
    sd: NonNegativeDuration

    @property
    def mean_hours(self) -> float:
        return self.mean


class Lognormal(SpecModel):
    """Right-skewed durations given by their mean and coefficient of variation."""

    dist: Literal["lognormal"]
    mean: PositiveDuration
    cv: Annotated[float, PlainNumber, Field(ge=0, le=10)]

    @property
    def mean_hours(self) -> float:
        return self.mean


class Triangular(SpecModel):
    """Durations between ``low`` and ``high``, most often ``mode``."""

    dist: Literal["triangular"]
    low: NonNegativeDuration
    mode: NonNegativeDuration
    high: NonNegativeDuration

    @model_validator(mode="after")
    def _ordered(self):
        if not self.low <= self.mode <= self.high or self.low == self.high:
            raise ValueError("needs low <= mode <= high and low < high")
        return self

    @property
    def mean_hours(self) -> float:
        return (self.low + self.mode + self.high) / 3


class Uniform(SpecModel):
    """Durations equally likely anywhere between ``low`` and ``high``."""

    dist: Literal["uniform"]
    low: NonNegativeDuration
    high: NonNegativeDuration

    @model_validator(mode="after")
    def _ordered(self):
        if not self.low < self.high:
            raise ValueError("needs low < high")
        return self

    @property
    def mean_hours(self) -> float:
        return (self.low + self.high) / 2


class Empirical(SpecModel):
    """Durations drawn with equal probability from observed ``values``."""

    dist: Literal["empirical"]
    values: Annotated[list[NonNegativeDuration], Field(min_length=1, max_length=100_000)]

    @property
    def mean_hours(self) -> float:
        return sum(self.values) / len(self.values)


DISTRIBUTIONS = (
    "constant",
    "exponential",
    "normal",
    "lognormal",
    "triangular",
    "uniform",
    "empirical",
)


def _constant_shorthand(value: object) -> object:
    # "60 s" is the planner's way of writing {dist: constant, value: 60 s}.
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return {"dist": "constant", "value": value}
    return value


class _OrWritten:
    """JSON Schema: also accept the plain form a planner writes ("60 s", "40")."""

    def __init__(self, plain: dict):
        self.plain = plain

    def __get_pydantic_json_schema__(self, core_schema, handler):
        return {"anyOf": [self.plain, handler(core_schema)]}


Distribution = Annotated[
    Constant | Exponential | Normal | Lognormal | Triangular | Uniform | Empirical,
    Field(discriminator="dist"),
    BeforeValidator(_constant_shorthand),
    _OrWritten(_DURATION_SCHEMA),
]


def _takes_time(what: str):
    """A check that a time is longer than zero on average, naming ``what`` it is."""

    def check(dist):
        if not dist.mean_hours > 0:
            given = "got 0 s" if isinstance(dist, Constant) else "got a mean of 0 s"
            raise ValueError(
                f"must be longer than zero, {given}: {what} that takes no time "
                "never lets the clock move"
            )
        return dist

    return AfterValidator(check)


CycleTime = Annotated[Distribution, _takes_time("a cycle")]
"""A step's cycle: a distribution whose mean is longer than zero."""


# --- step blocks -------------------------------------------------------------


class Batch(SpecModel):
    """A batch vessel: one cycle processes between ``min`` and ``size`` recipe units.

    A cycle starts as soon as ``size`` units wait, or once ``min`` have waited
    for ``max_wait``. ``min`` defaults to ``size`` (full batches only).
    """

    size: Count
    min: Count | None = None
    max_wait: NonNegativeDuration = 0.0

    @model_validator(mode="after")
    def _min_within_size(self):
        if self.min is not None and self.min > self.size:
            raise ValueError(f"min ({self.min}) must not exceed size ({self.size})")
        return self

    @property
    def smallest(self) -> int:
        return self.size if self.min is None else self.min


class Failure(SpecModel):
    """A failure mode: exponential time to failure, with an exponential repair.

    ``clock: operating`` (the default) counts time to failure only while the
    machine works; ``clock: calendar`` counts every hour, so an idle or
    off-shift machine fails too (seals, vacuum pumps, heaters).
    """

    mtbf: PositiveDuration
    mttr: NonNegativeDuration
    clock: Literal["operating", "calendar"] = "operating"

    @property
    def availability(self) -> float:
        return self.mtbf / (self.mtbf + self.mttr)


class Setup(SpecModel):
    """A changeover of ``time`` after every ``every`` cycles."""

    every: Count
    time: Distribution


class YieldRamp(SpecModel):
    """A learning curve of a step's yield: ``start`` on a new line, halving its gap."""

    start: Yield
    halfway: Annotated[float, PlainNumber, Field(gt=0, le=1e12)]


class CycleRamp(SpecModel):
    """A learning curve of a step's cycle: ``start`` is a factor on the mature cycle."""

    start: Annotated[float, PlainNumber, Field(gt=0, le=100)]
    halfway: Annotated[float, PlainNumber, Field(gt=0, le=1e12)]


class Ramp(SpecModel):
    """Ramp-up of a new line: value(n) = mature - (mature - start) x 0.5^(n / halfway).

    ``n`` counts the units the step has processed (good and scrap). Only
    ``fabsim rampup`` applies ramps; ``run`` and ``compare`` use mature values.
    """

    yield_: YieldRamp | None = Field(None, alias="yield")
    cycle: CycleRamp | None = None

    @model_validator(mode="after")
    def _not_empty(self):
        if self.yield_ is None and self.cycle is None:
            raise ValueError("a ramp needs 'yield' or 'cycle' (or both)")
        return self


class Step(SpecModel):
    """One process step: its machines turn ``uses`` into ``makes`` every cycle.

    ``batch`` processes several recipe units together in one cycle (an oven,
    a press vessel). ``lot`` is a transfer lot: the machine waits for a full
    lot, works its units one after another, each taking a cycle, and hands
    them on together (cells moving in magazines between per-cell stations).
    """

    process: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    uses: dict[ItemName, Count] = Field(default_factory=dict)
    makes: dict[ItemName, Count]
    machines: Annotated[int, PlainNumber, Field(ge=1, le=100_000)] = 1
    cycle: CycleTime
    batch: Batch | None = None
    lot: Count | None = None
    yield_: Yield = Field(1.0, alias="yield")
    defects: dict[ItemName, Probability] = Field(default_factory=dict)
    detects: dict[ItemName, Probability] = Field(default_factory=dict)
    failures: Annotated[list[Failure], Field(max_length=20)] = Field(default_factory=list)
    setup: Setup | None = None
    calendar: Literal["line", "continuous"] = "line"
    ramp: Ramp | None = None
    cost: StepCost | None = None
    ranges: Annotated[dict[str, tuple[object, object]], Field(max_length=50)] = Field(
        default_factory=dict
    )

    @model_validator(mode="after")
    def _one_output(self):
        if len(self.makes) != 1:
            raise ValueError(f"a step makes exactly one item, got {len(self.makes)}")
        if self.batch is not None and self.lot is not None:
            raise ValueError(
                "a step has either a batch (units processed together) or a "
                "lot (units processed one after another, moved together), "
                "not both"
            )
        return self

    @property
    def output(self) -> str:
        """The item this step makes."""
        return next(iter(self.makes))

    @property
    def output_per_unit(self) -> int:
        """Units of the output made per recipe unit (per cycle without batch)."""
        return next(iter(self.makes.values()))

    @property
    def batch_size(self) -> int:
        """Recipe units processed together in one cycle (1 without a batch)."""
        return self.batch.size if self.batch else 1

    @property
    def smallest_take(self) -> int:
        """Fewest recipe units a cycle starts with (a lot moves only when full)."""
        return self.batch.smallest if self.batch else (self.lot or 1)


class Product(SpecModel):
    """The finished good and the energy of one unit of it.

    ``energy`` may be left out when the spec has a ``cell:`` block: it then
    follows from the cell's design (capacity x voltage).
    """

    item: ItemName
    energy: Energy | None = None

    @model_validator(mode="after")
    def _positive_energy(self):
        if self.energy is not None and not self.energy > 0:
            raise ValueError("energy must be greater than zero")
        return self


class RunSettings(SpecModel):
    """Default run length; the CLI may override. ``horizon`` is counted after ``warmup``."""

    warmup: NonNegativeDuration = 0.0
    horizon: PositiveDuration = 30 * 24.0
    replications: Annotated[int, PlainNumber, Field(ge=1, le=1000)] = 10
    seed: Annotated[int, PlainNumber, Field(ge=0, le=2**63 - 1)] = 1


class BufferSpec(SpecModel):
    """A buffer: ``capacity`` units (default unlimited), and ``max_dwell``.

    Units older than ``max_dwell`` (oldest first) are scrapped: sulfide
    film or powder kept too long picks up moisture. A plain number is the
    capacity: ``stack: 40`` is ``stack: {capacity: 40}``. A capacity of 0
    links the stations directly: a finished unit passes to the next station
    only when it is waiting for it, else the maker holds it (blocked).
    """

    capacity: Annotated[int, PlainNumber, Field(ge=0, le=10**9)] | None = None
    max_dwell: PositiveDuration | None = None


def _hours_text(hours: float) -> str:
    return f"{hours:g} h"


def _capacity_shorthand(value: object) -> object:
    if isinstance(value, int | float | str) and not isinstance(value, bool):
        return {"capacity": value}
    return value


BufferEntry = Annotated[
    BufferSpec,
    BeforeValidator(_capacity_shorthand),
    _OrWritten({"type": "integer", "minimum": 0, "description": "The buffer's capacity."}),
]


DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _day(value: object) -> object:
    if not isinstance(value, str):
        return value
    day = value.strip().lower()
    if day not in DAYS and day[:3] in DAYS:
        raise ValueError(
            "expected 'mon', 'tue', 'wed', 'thu', 'fri', 'sat' or 'sun', "
            f"got {value!r}{did_you_mean(day[:3], DAYS)}"
        )
    return day


def _shift_window(text: object) -> tuple[float, float]:
    """``"06:00-14:00"`` -> (6.0, 14.0) hours; an end at or before the start crosses midnight."""
    bad = ValueError(f"expected a shift window such as '06:00-14:00', got {text!r}")
    if not isinstance(text, str):
        raise bad
    parts = text.replace(" ", "").split("-")
    if len(parts) != 2:
        raise bad
    hours = []
    for part in parts:
        hh, sep, mm = part.partition(":")
        if not (sep and hh.isascii() and hh.isdigit() and mm.isascii() and mm.isdigit()):
            raise bad
        if len(mm) != 2 or int(mm) > 59 or int(hh) > 24 or (int(hh) == 24 and int(mm)):
            raise bad
        hours.append(int(hh) + int(mm) / 60)
    if hours[0] == 24:
        raise bad
    if hours[0] == hours[1]:
        raise ValueError(f"shift window {text!r} has no length")
    return hours[0], hours[1]


def _shift_windows(texts: list[str]) -> list[str]:
    spans = []
    for text in texts:
        start, end = _shift_window(text)
        end = end if end > start else end + 24
        spans.append((start, end, text))
    for i, (s1, e1, t1) in enumerate(spans):
        for s2, e2, t2 in spans[i + 1 :]:
            # on the daily circle: compare with the other shifted by -24, 0, +24 h
            if any(s1 < e2 + k and s2 + k < e1 for k in (-24, 0, 24)):
                raise ValueError(f"shift windows {t1!r} and {t2!r} overlap")
    return texts


class Maintenance(SpecModel):
    """A planned stop of every step for ``length``, every ``every`` (first at ``first``)."""

    every: PositiveDuration
    length: PositiveDuration
    first: NonNegativeDuration | None = None

    @model_validator(mode="after")
    def _shorter_than_period(self):
        if self.length >= self.every:
            raise FieldError(
                "length",
                f"length ({_hours_text(self.length)}) must be shorter than every "
                f"({_hours_text(self.every)}); the line would never run",
            )
        return self

    @property
    def first_start(self) -> float:
        """Hours from time zero to the first stop (default: one period)."""
        return self.every if self.first is None else self.first


class Calendar(SpecModel):
    """When the line is staffed: shift windows on working days, planned stops.

    Time zero is Monday 00:00. No ``shifts`` means staffed all day on
    working days. ``policy`` says what a machine does with a cycle in
    progress at a stop: ``pause`` (resume the rest later) or ``finish``.
    """

    shifts: Annotated[list[str], Field(max_length=24), AfterValidator(_shift_windows)] = Field(
        default_factory=list
    )
    days_off: Annotated[
        list[Annotated[Literal[DAYS], BeforeValidator(_day)]],  # type: ignore[valid-type]
        Field(max_length=6),
    ] = Field(default_factory=list)
    maintenance: Annotated[list[Maintenance], Field(max_length=20)] = Field(default_factory=list)
    policy: Literal["pause", "finish"] = "pause"

    @model_validator(mode="after")
    def _distinct_days(self):
        if len(set(self.days_off)) != len(self.days_off):
            raise FieldError("days_off", "names a day twice")
        return self

    @property
    def windows(self) -> list[tuple[float, float]]:
        """Staffed hours of a day as (start, end), end past 24 for a night shift."""
        spans = [_shift_window(t) for t in self.shifts] or [(0.0, 24.0)]
        return [(s, e if e > s else e + 24) for s, e in spans]


StepName = Annotated[str, Field(min_length=1, max_length=100)]


PositiveDistribution = Annotated[Distribution, _takes_time("a time between or of events")]
"""Times between events, and their durations: longer than zero on average."""


class Disturbance(SpecModel):
    """A shared stop of several steps (a dry-room humidity excursion).

    ``every`` runs from the end of one event to the onset of the next, so
    events never overlap; ``duration`` is calendar time. At onset, each
    buffer in ``scraps`` loses that share of its units (each unit scrapped
    with that probability).
    """

    every: PositiveDistribution
    duration: PositiveDistribution
    stops: Annotated[list[StepName], Field(max_length=500)] = Field(default_factory=list)
    scraps: dict[ItemName, Probability] = Field(default_factory=dict)
    policy: Literal["pause", "finish"] = "pause"

    @model_validator(mode="after")
    def _does_something(self):
        if len(set(self.stops)) != len(self.stops):
            raise FieldError("stops", "names a step twice")
        if not self.stops and not self.scraps:
            raise ValueError("a disturbance needs 'stops' or 'scraps' (it would do nothing)")
        return self


class Disruption(SpecModel):
    """A chance per delivery that the supplier stops, and for how long."""

    probability: Probability
    duration: PositiveDistribution


class Supply(SpecModel):
    """A bought-in raw item delivered in lots into a store (Li2S, SE powder).

    Deliveries come ``every`` (from one to the next); a delivery that does
    not fit in ``capacity`` is delivered in part and the rest turned away.
    At a delivery the supplier may be disrupted: that lot and all others
    are missed for the disruption's duration.
    """

    item: ItemName
    lot: Count
    every: PositiveDistribution
    initial: Annotated[int, PlainNumber, Field(ge=0, le=10**12)] = 0
    capacity: Annotated[int, PlainNumber, Field(ge=1, le=10**12)] | None = None
    disruption: Disruption | None = None

    @model_validator(mode="after")
    def _fits(self):
        if self.capacity is not None and self.initial > self.capacity:
            raise FieldError(
                "initial", f"initial stock ({self.initial}) exceeds the capacity ({self.capacity})"
            )
        return self


class LineSpec(SpecModel):
    """A whole line: one spec file."""

    line: Annotated[str, Field(min_length=1, max_length=200)]
    description: Annotated[str, Field(max_length=500)] = ""
    product: Product
    run: RunSettings = Field(default_factory=RunSettings)
    buffers: dict[ItemName, BufferEntry] = Field(default_factory=dict)
    calendar: Calendar | None = None
    steps: Annotated[
        dict[Annotated[str, Field(pattern=r"^[A-Za-z_][\w\-]*$")], Step],
        Field(min_length=1, max_length=500),
    ]
    disturbances: Annotated[dict[ItemName, Disturbance], Field(max_length=50)] = Field(
        default_factory=dict
    )
    supplies: Annotated[dict[ItemName, Supply], Field(max_length=50)] = Field(default_factory=dict)
    cell: Cell | None = None
    costs: Costs | None = None
    scenarios: Annotated[
        dict[ItemName, Annotated[dict[str, object], Field(min_length=1, max_length=200)]],
        Field(max_length=50),
    ] = Field(default_factory=dict)
    ranges: Annotated[dict[str, tuple[object, object]], Field(max_length=200)] = Field(
        default_factory=dict
    )

    _source: str = PrivateAttr("")
    _overrides: tuple[str, ...] = PrivateAttr(())
    _scenario: str = PrivateAttr("")
    _energy_from_cell: bool = PrivateAttr(False)
    _scaling: tuple[str, ...] = PrivateAttr(())  # --equal's overrides, kept apart from --set
    _text: str = PrivateAttr("")  # the file's text as it was read (what a saved run keeps)

    @model_validator(mode="after")
    def _energy_known(self):
        if self.product.energy is None:
            if self.cell is None:
                raise FieldError(
                    "product",
                    "needs the energy of one unit (energy: 0.365 kWh), "
                    "or a cell: block it follows from",
                )
            from fabsim.spec.cell_design import design_of

            energy = design_of(self.cell).energy_wh / 1000
            # frozen model: the derived energy is set once, here, as if written
            object.__setattr__(self, "product", self.product.model_copy(update={"energy": energy}))
            self._energy_from_cell = True
        return self

    @property
    def text(self) -> str:
        """The spec file's text as it was read when this spec was loaded."""
        return self._text

    @property
    def fingerprint(self) -> str:
        """A hash of what this spec is: its text, scenario and every override.

        Example:
            >>> len(load_spec("three_step").fingerprint)        # doctest: +SKIP
            64
        """
        import hashlib

        what = "\n".join([self._text, self._scenario, *self.loaded_with])
        return hashlib.sha256(what.encode("utf-8")).hexdigest()

    @property
    def loaded_with(self) -> tuple[str, ...]:
        """Every override this spec was loaded with: ``--equal``'s scaling, then ``--set``."""
        return (*self._scaling, *self._overrides)

    @property
    def scenario(self) -> str:
        """The scenario applied to the file (``pilot_2026``), empty for none."""
        return self._scenario

    @property
    def energy_from_cell(self) -> bool:
        """Whether ``product.energy`` was derived from the ``cell:`` block."""
        return self._energy_from_cell

    @property
    def source(self) -> str:
        """The file this spec was read from (empty when built in memory)."""
        return self._source

    @property
    def overrides(self) -> tuple[str, ...]:
        """The ``--set PATH=VALUE`` overrides applied on top of the file, in order."""
        return self._overrides

    @property
    def short_name(self) -> str:
        """The file name without ``.yaml`` (``semi_solid``), else the line's title."""
        stem = self._source.replace("\\", "/").rsplit("/", 1)[-1]
        return stem.removesuffix(".yaml").removesuffix(".yml") or self.line

    @property
    def label(self) -> str:
        """How reports name the line: ``all_solid_sulfide@pilot_2026`` in a scenario."""
        return f"{self.short_name}@{self._scenario}" if self._scenario else self.short_name

    def buffer_capacity(self, item: str) -> float:
        """Units the buffer of ``item`` holds (infinity when unlimited)."""
        entry = self.buffers.get(item)
        return math.inf if entry is None or entry.capacity is None else entry.capacity

    @property
    def supplied_items(self) -> dict[str, str]:
        """Items delivered by a supply, and the supply's name."""
        return {supply.item: name for name, supply in self.supplies.items()}

    def process_of(self, step_id: str) -> str:
        """The process tag of a step (its id when no tag is given)."""
        return self.steps[step_id].process or step_id
