"""The corpus of broken specs: each file is refused with its one expected message.

Every file in ``tests/bad_specs/`` has one thing wrong with it (or, to show
that field and flow errors come in one pass, one of each). Its expected
message (what follows ``FILE:`` on stderr) is on its first line as
``# expect: LINE: field.path: message``, a second message on the next line;
files that cannot hold a comment (empty, not text) have theirs in
``tests/bad_specs/expected.yaml``.

``fabsim validate`` must exit with code 2, print exactly that message, no
traceback and nothing on stdout. All corpus files go through one
``fabsim validate f1 f2 ...`` call (a process start costs about a second),
and the other command lines run side by side.
"""

from __future__ import annotations

import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(__file__).resolve().parent / "bad_specs"
SIDECAR = CORPUS / "expected.yaml"
THREE_STEP = str(ROOT / "process_specs" / "examples" / "three_step.yaml")


def expected_messages() -> dict[str, str]:
    """File name -> expected message after 'FILE:' for every corpus file."""
    sidecar = yaml.safe_load(SIDECAR.read_text(encoding="utf-8"))
    expected: dict[str, str] = {}
    for path in sorted(CORPUS.iterdir()):
        if path == SIDECAR:
            continue
        first_line, *rest = path.read_bytes().split(b"\n", 2)
        if first_line.startswith(b"# expect: "):
            assert path.name not in sidecar, f"{path.name}: expected twice"
            expected[path.name] = first_line.removeprefix(b"# expect: ").decode("utf-8")
            if rest and rest[0].startswith(b"# expect: "):
                expected[path.name] += "\n" + rest[0].removeprefix(b"# expect: ").decode()
        else:
            expected[path.name] = sidecar[path.name]
    assert set(sidecar) <= set(expected), "expected.yaml names a file that is not there"
    return expected


EXPECTED = expected_messages()
NAMES = sorted(EXPECTED)


def located(path: str, message: str) -> str:
    """How fabsim prints a problem: 'FILE:LINE: ...' or, without a line, 'FILE: ...'.

    Several messages (one per line) are each located.
    """
    return "\n".join(
        f"{path}:{one}" if one[:1].isdigit() else f"{path}: {one}" for one in message.split("\n")
    )


def fabsim(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "fabsim", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
    )


# --- the corpus, through one `fabsim validate` call -------------------------

RUN_CASES = ["cycle_zero_source_step.yaml", "bomb_billion_laughs.yaml", "yaml_tab_indentation.yaml"]

SET_CASES = [
    # (the --set option, expected stderr after "--set OPTION: ")
    (
        "steps.stacking.machines",
        "expected PATH=VALUE, e.g. steps.stacking.machines=6",
    ),
    ("=6", "'' is not a field path"),
    (
        "steps.stacking.machnes.count=6",
        "steps.stacking.machnes: no such field (did you mean 'machines'?)",
    ),
    (
        "steps.stacking.machines.count=6",
        "steps.stacking.machines.count: cannot set a field inside steps.stacking.machines: "
        "it is the value 6, not a mapping",
    ),
    (
        "steps.cutting.cycle=0 s",
        "steps.cutting.cycle: must be longer than zero, got 0 s: a cycle that takes no time "
        "never lets the clock move",
    ),
    ("steps.stacking.yield=yes", "steps.stacking.yield: expected a number, got true"),
    (
        "steps.stacking.cycle.mean=30 m/min",
        "steps.stacking.cycle.mean: wrong unit: expected a duration such as '45 s', '20 min' "
        "or '2.5 h', got '30 m/min' which is a speed",
    ),
    (
        "steps.stacking.machines=" + "[" * 80,
        "steps.stacking.machines: nested more than 50 levels deep; a spec needs about 6",
    ),
]


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> dict:
    """Every command line of this module, run side by side (each is a process)."""
    out = tmp_path_factory.mktemp("run-out")
    jobs = {"validate": ("validate", *(str(CORPUS / name) for name in NAMES))}
    for name in RUN_CASES:
        jobs[("run", name)] = ("run", str(CORPUS / name), "--out", str(out / name))
    for option, _ in SET_CASES:
        jobs[("set", option)] = ("validate", THREE_STEP, "--set", option)
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = {key: pool.submit(fabsim, *args) for key, args in jobs.items()}
        done = {key: future.result() for key, future in futures.items()}
    done["out"] = out
    return done


def test_corpus_is_broad_and_small():
    assert len(NAMES) >= 30
    for name in NAMES:
        assert (CORPUS / name).stat().st_size < 4096, f"{name}: corpus files stay small"


def test_validate_refuses_every_file(results):
    result = results["validate"]
    assert result.returncode == 2
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    expected = [located(str(CORPUS / name), EXPECTED[name]) for name in NAMES]
    assert result.stderr.splitlines() == "\n".join(expected).splitlines()


@pytest.mark.parametrize("name", NAMES)
def test_message(results, name):
    path = str(CORPUS / name)
    lines = [
        line for line in results["validate"].stderr.splitlines() if line.startswith(path + ":")
    ]
    assert lines == located(path, EXPECTED[name]).splitlines()


@pytest.mark.parametrize("name", RUN_CASES)
def test_run_refuses_and_writes_nothing(results, name):
    result = results[("run", name)]
    assert result.returncode == 2
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stderr.strip() == located(str(CORPUS / name), EXPECTED[name])
    assert not (results["out"] / name).exists()


@pytest.mark.parametrize(("option", "message"), SET_CASES, ids=[o[:40] for o, _ in SET_CASES])
def test_bad_set_option(results, option, message):
    result = results[("set", option)]
    assert result.returncode == 2
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    source = f"--set {option}" if len(option) <= 100 else f"--set {option[:97]}..."
    assert result.stderr.strip() == f"{source}: {message}"


# --- files too big to commit, made here -------------------------------------


def test_50_mb_file_is_refused_quickly(tmp_path):
    path = tmp_path / "huge.yaml"
    line = b"# a valid-looking YAML comment about the stacking step, repeated\n"
    with open(path, "wb") as handle:
        block = line * (1024 * 1024 // len(line))
        for _ in range(50):
            handle.write(block)
    assert path.stat().st_size > 49 * 1024 * 1024
    started = time.perf_counter()
    result = fabsim("validate", str(path), timeout=60)
    assert time.perf_counter() - started < 30
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip() == (
        f"{path}: file is larger than 5 MB; a spec file is a few kB of YAML"
    )


def test_a_million_values_stop_early(tmp_path):
    # Under the size limit, but far more values than any spec: refused while
    # parsing, long before the parse of the whole file would end.
    from fabsim.spec import SpecError, load_spec

    path = tmp_path / "values.yaml"
    path.write_text("line: [" + "1, " * 1_000_000 + "]\n")
    started = time.perf_counter()
    with pytest.raises(SpecError) as caught:
        load_spec(str(path))
    assert time.perf_counter() - started < 20
    assert str(caught.value) == (
        f"{path}:1: more than 100,000 YAML values; a spec has a few hundred"
    )
