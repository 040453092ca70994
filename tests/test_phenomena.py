"""Calendars, disturbances, supplies, dwell limits and ramps against hand calculations.

Each case is a line small enough to work out by hand; the tolerance says
where it comes from (exact for deterministic lines, up to a cycle cut at
the window's ends; four standard errors where the line is random).
"""

from __future__ import annotations

import math

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from fabsim.sim.line import run_replication
from fabsim.spec import load_spec_text
from tests.conftest import weekly_units_by_hand

WEEK = 168.0


def one_step(extra: dict | None = None, step: dict | None = None) -> dict:
    """A one-step line: 6 min cycle, 10 cells/h around the clock."""
    line = {
        "line": "one step",
        "product": {"item": "cell", "energy": "0.2 kWh"},
        "steps": {"a": {"makes": {"cell": 1}, "cycle": "6 min", **(step or {})}},
    }
    line.update(extra or {})
    return line


def run(line: dict, horizon: float, warmup: float = 0.0, seed: int = 1, **options):
    spec = load_spec_text(yaml.safe_dump(line, sort_keys=False), "case.yaml")
    return run_replication(spec, 0, seed=seed, horizon=horizon, warmup=warmup, **options)


TWO_SHIFTS = {"shifts": ["06:00-14:00", "14:00-22:00"]}


def test_two_shifts_make_two_thirds_and_book_a_third_off_shift():
    full = run(one_step(), 4 * WEEK)
    shifts = run(one_step({"calendar": TWO_SHIFTS}), 4 * WEEK)
    # 16 of 24 h staffed: exactly 2/3 of the cycles fit (whole days, 6 min
    # cycles); the cycle that ends at the window's end is not counted (-1).
    assert full.finished == 6720 - 1
    assert shifts.finished == 6720 * 2 // 3 - 1
    states = shifts.steps["a"].states
    assert states["off_shift"] == pytest.approx(4 * WEEK / 3, abs=1e-6)
    assert states["busy"] == pytest.approx(4 * WEEK * 2 / 3, abs=1e-6)
    assert shifts.staffed_h == pytest.approx(4 * WEEK * 2 / 3)


def test_weekends_off_leave_five_sevenths_of_the_shift_output():
    weekdays = run(one_step({"calendar": {**TWO_SHIFTS, "days_off": ["sat", "sun"]}}), 4 * WEEK)
    assert weekdays.finished == 4480 * 5 // 7 - 1
    assert weekdays.steps["a"].states["off_shift"] == pytest.approx(4 * (WEEK - 80))


def test_a_night_shift_crosses_midnight_and_a_sunday_night_wraps_into_monday():
    night = run(one_step({"calendar": {"shifts": ["22:00-06:00"], "days_off": ["sat"]}}), WEEK)
    # Shifts start Sun..Fri at 22:00 (6 nights of 8 h); Sunday's ends Monday 06:00,
    # which is inside the first week: 48 h staffed in all.
    assert night.staffed_h == pytest.approx(48.0)
    assert night.finished == 480


def test_continuous_steps_run_through_off_shift_time_but_stop_for_maintenance():
    line = one_step(
        {
            "calendar": {
                **TWO_SHIFTS,
                "maintenance": [{"every": "1 week", "length": "12 h", "first": "2 d"}],
            }
        },
        {"calendar": "continuous"},
    )
    result = run(line, 4 * WEEK)
    states = result.steps["a"].states
    assert states["off_shift"] == pytest.approx(4 * 12.0)
    assert result.finished == (4 * WEEK - 48) * 10 - 1


def test_pause_resumes_the_rest_of_a_cycle_and_finish_completes_it_first():
    # A 3 h cycle, one 8 h shift a day. Pause: 8 h of work a day, cycles carry
    # over the night: 30 days x 8 h / 3 h = 80 cycles. Finish: the cycle that
    # starts at 12:00 ends at 15:00, so 3 cycles and 9 h a day: 90.
    calendar = {"shifts": ["06:00-14:00"]}
    pause = run(one_step({"calendar": {**calendar, "policy": "pause"}}, {"cycle": "3 h"}), 720)
    finish = run(one_step({"calendar": {**calendar, "policy": "finish"}}, {"cycle": "3 h"}), 720)
    assert pause.finished == 80 - 1  # the last ends at the window's end
    assert pause.steps["a"].states["busy"] == pytest.approx(240.0)
    assert finish.finished == 90
    assert finish.steps["a"].states["busy"] == pytest.approx(270.0)


def test_a_disturbance_every_ten_hours_lasting_two_cuts_output_to_ten_twelfths():
    line = one_step(
        {"disturbances": {"dry_room": {"every": "10 h", "duration": "2 h", "stops": ["a"]}}}
    )
    result = run(line, 1200.0)
    assert result.finished == 10000 - 1  # 100 periods of 12 h, each 10 h x 10/h
    assert result.steps["a"].states["disturbed"] == pytest.approx(200.0)
    events = result.disturbances["dry_room"]
    assert (events.events, events.hours) == (100, pytest.approx(200.0))


def test_a_disturbance_scraps_its_share_of_a_buffer_at_onset():
    line = {
        "line": "two steps",
        "product": {"item": "cell", "energy": "0.2 kWh"},
        "steps": {
            "a": {"makes": {"sheet": 1}, "cycle": "1 min"},
            "b": {"uses": {"sheet": 1}, "makes": {"cell": 1}, "cycle": "2 min"},
        },
        "disturbances": {
            "dry_room": {"every": "10 h", "duration": "1 h", "stops": ["b"], "scraps": {"sheet": 1}}
        },
    }
    result = run(line, 110.0)
    # Sheets pile up at 30/h net while both run, 60/h while b is stopped. Each
    # onset (t = 10, 21, 32, ...) scraps them all: 10 h x 30/h = 300 the first
    # time, then 1 h x 60/h + 10 h x 30/h = 360.
    scrapped = result.disturbances["dry_room"].scrapped["sheet"]
    assert scrapped == 300 + 9 * 360
    assert result.buffers["sheet"].scrapped == scrapped


def test_a_supply_of_100_every_10_hours_caps_the_line_at_10_per_hour():
    line = one_step(
        {"supplies": {"li2s": {"item": "li2s", "lot": 100, "every": "10 h"}}},
        {"uses": {"li2s": 1}, "cycle": "1 min"},
    )
    result = run(line, 1000.0, warmup=100.0)
    assert result.finished == 10000
    supply = result.supplies["li2s"]
    assert supply.delivered == 10000
    # A lot's first unit is taken at once and its last 99 min later: the store
    # is empty 8 h 21 min of every 10 h; the machine, done 1 min after that,
    # waits 8 h 20 min.
    assert supply.stockout_share == pytest.approx(501 / 600, abs=1e-9)
    assert result.steps["a"].starved_by["li2s"] == pytest.approx(1000 * 5 / 6)


def test_a_supply_disruption_delays_the_due_lot():
    line = one_step(
        {
            "supplies": {
                "li2s": {
                    "item": "li2s",
                    "lot": 100,
                    "every": "10 h",
                    "capacity": 150,
                    "initial": 50,
                    "disruption": {"probability": 1.0, "duration": "5 h"},
                }
            }
        },
        {"uses": {"li2s": 1}, "cycle": "1 min"},
    )
    result = run(line, 149.0)
    # Every delivery is 5 h late: lots arrive at 15, 30, ..., 135 h.
    supply = result.supplies["li2s"]
    assert (supply.disruptions, supply.delivered) == (10, 900)  # the 10th due at 145 h
    assert result.finished == 950


def test_scrapping_a_whole_buffer_frees_the_maker_blocked_on_it():
    # A full buffer of 2 with a maker blocked on it; a disturbance scraps
    # everything held: the maker must be called back to hand over.
    from fabsim.sim.buffer import Buffer

    class BlockedMaker:
        need = 2
        freed_at = None

        def room_freed(self, now):
            self.freed_at = now

    store = Buffer("sheet", capacity=2, defect_types=0)
    store.put(2, None, now=0.0)
    maker = BlockedMaker()
    maker.waiting_on = store
    store.putters.append(maker)
    assert store.scrap_share(1.0, now=3.0) == 2
    assert (store.level, store.scrapped, maker.freed_at) == (0, 2, 3.0)


def test_a_dwell_limit_scraps_what_the_slower_user_cannot_take():
    line = {
        "line": "dwell",
        "product": {"item": "cell", "energy": "0.2 kWh"},
        "buffers": {"sheet": {"max_dwell": "1 h"}},
        "steps": {
            "a": {"makes": {"sheet": 1}, "cycle": "30 s"},
            "b": {"uses": {"sheet": 1}, "makes": {"cell": 1}, "cycle": "60 s"},
        },
    }
    result = run(line, 100.0, warmup=5.0)
    # Fed at 120/h, drained oldest first at 60/h: half of every hour's sheets
    # reach 1 h of age and are scrapped, 60/h.
    assert result.buffers["sheet"].expired / 100 == pytest.approx(60, abs=0.1)
    assert result.finished / 100 == pytest.approx(60, abs=0.1)


def test_calendar_clock_failures_take_a_mostly_idle_machine_down_ten_percent():
    line = {
        "line": "idle",
        "product": {"item": "cell", "energy": "0.2 kWh"},
        "steps": {
            "a": {"makes": {"part": 1}, "cycle": "10 min"},
            "b": {
                "uses": {"part": 1},
                "makes": {"cell": 1},
                "cycle": "1 min",
                "failures": [{"mtbf": "9 h", "mttr": "1 h", "clock": "calendar"}],
            },
        },
    }
    horizon = 20000.0
    result = run(line, horizon, seed=1)
    down = result.steps["b"].states["down"] / horizon
    # Alternating renewal: up ~ exp(9 h), down ~ exp(1 h): p = 0.1. The
    # variance of the time share over T hours is ((1-p)^2 Var D + p^2 Var U)
    # / (E[U + D] T) = 1.62 / (10 T); four standard errors (an exact variance,
    # so a false alarm at any seed has probability 6e-5):
    assert down == pytest.approx(0.1, abs=4 * math.sqrt(1.62 / (10 * horizon)))
    assert result.steps["b"].states["busy"] / horizon < 0.2  # mostly idle indeed


def _curve(mature: float, start: float, halfway: float, n: int) -> float:
    return mature - (mature - start) * 0.5 ** (n / halfway)


def test_a_cycle_ramp_makes_what_the_learning_curve_adds_up_to_each_week():
    line = one_step(step={"ramp": {"cycle": {"start": 3.0, "halfway": 500}}})
    result = run(line, 4 * WEEK, ramps=True, series_every=WEEK)
    # Independent count: walk the curve unit by unit (cycle = 0.1 h x factor);
    # a unit ending on a week's boundary may fall either side of it (±1).
    expected = weekly_units_by_hand(0.1, 3.0, 500, weeks=4)
    assert [abs(a - b) <= 1 for a, b in zip(result.series, expected, strict=True)] == [True] * 4
    assert result.series[0] < result.series[3] < 1680
    mature = run(one_step(), 4 * WEEK, ramps=False, series_every=WEEK)
    # ramps apply only when asked for (the unit due at the very end is cut)
    assert [abs(week - 1680) <= 1 for week in mature.series] == [True] * 4


def test_a_yield_ramp_loses_what_the_learning_curve_says_each_week():
    line = one_step(step={"yield": 0.95, "ramp": {"yield": {"start": 0.5, "halfway": 400}}})
    result = run(line, 2 * WEEK, ramps=True, series_every=WEEK, seed=1)
    for week in range(2):
        units = range(week * 1680, (week + 1) * 1680)
        mean = sum(_curve(0.95, 0.5, 400, n) for n in units)
        sd = math.sqrt(
            sum(_curve(0.95, 0.5, 400, n) * (1 - _curve(0.95, 0.5, 400, n)) for n in units)
        )
        # four exact standard deviations: a false alarm at any seed, 6e-5 a week
        assert result.series[week] == pytest.approx(mean, abs=4 * sd)


# --- random lines with every phenomenon keep the invariants -------------------


@st.composite
def phenomena_lines(draw):
    steps = {
        "s0": {"uses": {"raw": draw(st.integers(1, 3))}, "makes": {"i0": 1}, "cycle": "5 min"},
        "s1": {
            "uses": {"i0": draw(st.integers(1, 3))},
            "makes": {"i1": draw(st.integers(1, 4))},
            "cycle": f"{draw(st.integers(1, 20))} min",
            "machines": draw(st.integers(1, 3)),
        },
        "s2": {"uses": {"i1": 2}, "makes": {"cell": 1}, "cycle": f"{draw(st.integers(1, 20))} min"},
    }
    for step in steps.values():
        step["yield"] = draw(st.sampled_from([1.0, 0.9]))
        if draw(st.booleans()):
            clock = draw(st.sampled_from(["operating", "calendar"]))
            step["failures"] = [
                {"mtbf": f"{draw(st.integers(1, 20))} h", "mttr": "30 min", "clock": clock}
            ]
        if draw(st.booleans()):
            step["calendar"] = "continuous"
        if draw(st.booleans()):
            step["batch"] = {"size": 3, "min": 1, "max_wait": "10 min"}
    line = {
        "line": "random phenomena",
        "product": {"item": "cell", "energy": "1 kWh"},
        "buffers": {
            "i0": {
                "capacity": draw(st.sampled_from([0, 3, 8, 20])),  # 0: linked directly
                **({"max_dwell": "2 h"} if draw(st.booleans()) else {}),
            },
            "i1": {"max_dwell": f"{draw(st.integers(1, 5))} h"} if draw(st.booleans()) else 30,
        },
        "steps": steps,
        "supplies": {
            "raw": {
                "item": "raw",
                "lot": draw(st.integers(5, 50)),
                "every": {"dist": "exponential", "mean": f"{draw(st.integers(1, 5))} h"},
                "initial": draw(st.integers(0, 20)),
                "capacity": 100,
                "disruption": {"probability": 0.2, "duration": "3 h"},
            }
        },
    }
    if draw(st.booleans()):
        line["calendar"] = {
            "shifts": draw(
                st.sampled_from([["06:00-14:00"], ["06:00-14:00", "14:00-22:00"], ["22:00-06:00"]])
            ),
            "days_off": draw(st.sampled_from([[], ["sun"], ["sat", "sun"]])),
            "maintenance": [{"every": "50 h", "length": "3 h"}] if draw(st.booleans()) else [],
            "policy": draw(st.sampled_from(["pause", "finish"])),
        }
    if draw(st.booleans()):
        line["disturbances"] = {
            "excursion": {
                "every": {"dist": "exponential", "mean": "20 h"},
                "duration": {"dist": "exponential", "mean": "2 h"},
                "stops": draw(st.lists(st.sampled_from(list(steps)), unique=True, min_size=1)),
                "scraps": {"i0": draw(st.sampled_from([0.3, 1.0])), "raw": 0.5},
                "policy": draw(st.sampled_from(["pause", "finish"])),
            }
        }
    return (
        yaml.safe_dump(line, sort_keys=False),
        draw(st.integers(20, 300)),
        draw(st.integers(0, 20)),
    )


@given(phenomena_lines(), st.integers(min_value=0, max_value=2**31))
def test_random_lines_with_phenomena_keep_the_invariants(case, seed):
    text, horizon, warmup = case
    spec = load_spec_text(text, "random.yaml")
    result = run_replication(spec, 0, seed=seed, horizon=float(horizon), warmup=float(warmup))
    assert result == run_replication(
        spec, 0, seed=seed, horizon=float(horizon), warmup=float(warmup)
    )
    for step in result.steps.values():
        assert math.isclose(sum(step.states.values()), step.machines * horizon, rel_tol=1e-9)
        assert min(step.states.values()) >= -1e-9
        assert sum(step.starved_by.values()) <= step.states["starved"] + 1e-9
    supply = result.supplies["raw"]
    assert 0 <= supply.stockout_share <= 1 + 1e-12


def test_output_lost_to_shifts_and_disturbances_is_what_a_24_7_line_makes_more():
    from fabsim.analysis.kpis import line_kpis
    from fabsim.spec import Flow

    line = one_step(
        {
            "calendar": TWO_SHIFTS,
            "disturbances": {"dry_room": {"every": "10 h", "duration": "2 h", "stops": ["a"]}},
        }
    )
    spec = load_spec_text(yaml.safe_dump(line, sort_keys=False), "case.yaml")
    result = run_replication(spec, 0, seed=1, horizon=4 * WEEK, warmup=0.0)
    kpis = line_kpis(spec, Flow(spec), result)
    # The step makes 10/h while it works; whatever it did not make was lost
    # off shift or to the dry room: the two losses add up to 10/h - output.
    lost = kpis["loss.off_shift"] + kpis["loss.disturbed"]
    assert lost == pytest.approx(10.0 - kpis["good_rate_per_h"], abs=0.02)
    assert kpis["loss.off_shift"] == pytest.approx(
        10.0 * result.steps["a"].states["off_shift"] / (4 * WEEK), abs=0.02
    )
    assert kpis["good_rate_per_staffed_h"] == pytest.approx(
        result.finished / (4 * WEEK * 2 / 3), rel=1e-12
    )


def test_a_shift_calendar_does_not_look_like_a_line_still_settling():
    import fabsim

    line = one_step({"calendar": {"shifts": ["06:00-14:00"]}, "run": {"warmup": "3 d"}})
    spec = load_spec_text(yaml.safe_dump(line, sort_keys=False), "shifts.yaml")
    results = fabsim.simulate(spec, replications=5, seed=1, horizon=30 * 24.0, workers=1)
    assert results.runs[0].series_h == 24.0  # bins of whole days follow the calendar
    assert results.warnings == []
