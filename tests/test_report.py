"""``fabsim report DIR``: a saved run shown again equals the run's own summary."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from tests.test_bad_input import fabsim


def summary_lines(text: str) -> list[str]:
    # the run ends saying what it wrote (wrapped when the path is long); a report writes nothing
    lines = text.splitlines()
    ends = [i for i, line in enumerate(lines) if line.startswith("wrote ")]
    return lines[: ends[0]] if ends else lines


def test_report_of_a_run_equals_the_summary_the_run_printed(tmp_path):
    out = tmp_path / "run"
    run = fabsim("run", "three_step", "-n", "3", "--out", str(out))
    assert run.returncode == 0, run.stderr
    shown = fabsim("report", str(out))
    assert shown.returncode == 0, shown.stderr
    assert summary_lines(shown.stdout) == summary_lines(run.stdout)


def test_report_of_a_comparison_with_overrides_equals_its_summary(tmp_path):
    out = tmp_path / "compare"
    args = ["compare", "three_step", "three_step", "--set-b", "steps.stacking.machines=4"]
    run = fabsim(*args, "-n", "3", "--horizon", "2 d", "--out", str(out))
    assert run.returncode == 0, run.stderr
    shown = fabsim("report", str(out))
    assert summary_lines(shown.stdout) == summary_lines(run.stdout)


def test_report_of_a_directory_without_results_says_so(tmp_path):
    shown = fabsim("report", str(tmp_path))
    assert shown.returncode == 2
    assert shown.stderr == f"{tmp_path}: holds no results.json (write one with --out)\n"


def browser() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.mark.skipif(
    browser() is None,
    reason="no headless Chromium on this machine (.ci/run installs it): HTML report not opened",
)
def test_the_html_report_opens_in_a_browser_with_its_plots_drawn(tmp_path):
    out = tmp_path / "run"
    assert fabsim("run", "three_step", "-n", "3", "--out", str(out)).returncode == 0
    made = fabsim("report", str(out), "--html")
    assert made.returncode == 0, made.stderr
    page = made.stdout.strip()
    assert page == os.path.join(str(out), "report.html")
    with open(page, encoding="utf-8") as handle:
        body = handle.read().split("<body")[1]
    assert "http://" not in body and "https://" not in body  # self-contained
    dom = subprocess.run(
        [
            browser(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--virtual-time-budget=5000",
            "--dump-dom",
            f"file://{page}",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    drawn = re.search(r'data-plots-drawn="(\d+)"', dom)
    assert drawn is not None, "the page's check did not run"
    assert int(drawn.group(1)) == 3  # states, yield waterfall, output over time
    assert "Good units/h" in dom and "three_step" in dom
