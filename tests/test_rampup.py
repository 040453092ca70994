"""``fabsim rampup``: weekly output of a new line against its mature rate."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import yaml

import fabsim
from fabsim.spec import load_spec_text
from tests.conftest import weekly_units_by_hand

RAMPED = {
    "line": "ramped",
    "product": {"item": "cell", "energy": "0.2 kWh"},
    "run": {"warmup": "0 h", "horizon": "1 week", "replications": 2},
    "steps": {
        "a": {
            "makes": {"cell": 1},
            "cycle": "6 min",
            "ramp": {"cycle": {"start": 3.0, "halfway": 1000}},
        }
    },
}


def test_rampup_follows_the_curve_and_finds_the_week_it_reaches_ninety_percent():
    spec = load_spec_text(yaml.safe_dump(RAMPED), "ramped.yaml")
    results = fabsim.rampup(spec, replications=2, seed=1, horizon=6 * 168.0)
    data = results.to_dict()
    expected = weekly_units_by_hand(0.1, 3.0, 1000, weeks=6)  # RAMPED: 6 min, 3x, 1000
    simulated = [week["good"]["mean"] for week in data["weeks"]]
    assert all(abs(a - b) <= 1 for a, b in zip(simulated, expected, strict=True))
    assert data["mature_rate_per_h"]["mean"] == pytest.approx(10.0, abs=0.01)
    target = 0.9 * data["mature_rate_per_h"]["mean"]
    first = next(i for i, good in enumerate(expected) if good / 168 >= target)
    assert first >= 1  # not at once: the curve matters
    assert data["time_to_90pct_h"] == {
        "mean": (first + 1) * 168.0,
        "ci95": [(first + 1) * 168.0] * 2,
        "reached_in": 2,
    }


def test_rampup_says_null_when_the_horizon_is_too_short():
    spec = load_spec_text(yaml.safe_dump(RAMPED), "ramped.yaml")
    data = fabsim.rampup(spec, replications=2, seed=1, horizon=168.0).to_dict()
    assert data["time_to_90pct_h"] == {"mean": None, "ci95": [None, None], "reached_in": 0}


def test_rampup_cli_json_has_the_documented_shape(tmp_path):
    path = tmp_path / "ramped.yaml"
    path.write_text(yaml.safe_dump(RAMPED))
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "fabsim",
            "rampup",
            str(path),
            "--horizon",
            "2 weeks",
            "--json",
            "-n",
            "2",
            "--workers",
            "1",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert set(data) == {
        "line",
        "seed",
        "replications",
        "mature_rate_per_h",
        "weeks",
        "time_to_90pct_h",
    }
    assert [w["week"] for w in data["weeks"]] == [1, 2]
    assert set(data["weeks"][0]) == {"week", "good", "good_rate_per_h"}
