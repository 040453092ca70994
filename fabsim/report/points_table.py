"""The files of a sweep: ``points.parquet`` and ``points.csv``, and a journal while it runs.

Each finished point is appended at once to ``points.journal.jsonl`` (one
JSON line: cheap, whatever the sweep's size), so a killed sweep loses no
finished point. The two tables are rewritten from all rows at most once a
second and when the sweep ends or is interrupted (Ctrl-C): rewriting them
at every point cost time growing with the square of the points, a quarter
of a 100-point sweep of a small line. Each write goes to a temporary file
renamed over the old one, so no file is ever half-written. When the tables
hold every row, the journal goes. Rows are kept in point order, so a resumed
sweep's table equals an uninterrupted one. ``sweep.json`` records what the
sweep is (spec, overrides, seed, replications, window, points), so
``--resume`` can refuse a directory that holds a different sweep.

Example:
    >>> table = PointsTable("out/sweep1", config)            # doctest: +SKIP
    >>> table.add(point, row)                                # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
import tempfile
import time

from fabsim.experiment.points import Point
from fabsim.spec.errors import Problem, SpecError

FILES = ("points.parquet", "points.csv")
JOURNAL = "points.journal.jsonl"
WRITE_EVERY_S = 1.0  # longest a table lags the journal while a sweep runs


class PointsTable:
    """The rows of a sweep on disk, in point order; ``done`` holds the finished points."""

    def __init__(self, directory: str, config: dict, points: list[Point], resume: bool):
        self.directory = os.path.abspath(directory)
        self.points = points
        self.rows: dict[int, dict] = {}
        # Rows not yet in the tables are exactly those in the journal: it is
        # deleted whenever the tables are written.
        self.journal = os.path.join(self.directory, JOURNAL)
        self.written_at = time.monotonic()
        recorded = os.path.join(self.directory, "sweep.json")
        if os.path.exists(recorded):
            if not resume:
                raise SpecError(
                    [
                        Problem(
                            directory,
                            None,
                            "",
                            "already holds a sweep; add --resume to continue it, or choose "
                            "another --out",
                        )
                    ]
                )
            with open(recorded, encoding="utf-8") as handle:
                if json.load(handle) != config:
                    raise SpecError(
                        [
                            Problem(
                                directory,
                                None,
                                "",
                                "holds a different sweep (the spec file, its overrides, seed, "
                                "replications, window or points differ); --resume continues "
                                "only the same one",
                            )
                        ]
                    )
            self._read_existing()
        else:
            os.makedirs(self.directory, exist_ok=True)
            self._write_text("sweep.json", json.dumps(config, indent=2) + "\n")

    @property
    def done(self) -> set[int]:
        return set(self.rows)

    def _read_existing(self) -> None:
        path = os.path.join(self.directory, "points.parquet")
        if os.path.exists(path):
            import pandas as pd

            by_values = {_key(p.values, p.values.keys()): p.index for p in self.points}
            paths = list(self.points[0].values) if self.points else []
            for record in pd.read_parquet(path).to_dict("records"):
                key = _key({p: record[p] for p in paths}, paths)
                if key in by_values:
                    self.rows[by_values[key]] = record
        if os.path.exists(self.journal):  # points finished after a killed sweep's last write
            with open(self.journal, encoding="utf-8") as stream:
                for line in stream:
                    try:
                        entry = json.loads(line)
                    except ValueError:
                        continue  # the line being written when the sweep was killed
                    self.rows[entry["point"]] = entry["row"]
            # Into the tables at once, journal gone: a half line must not have
            # the next point appended to it.
            self._write_tables()

    def add(self, point: Point, row: dict) -> None:
        """Record a finished point: in the journal now, in the tables within a second."""
        self.rows[point.index] = row
        with open(self.journal, "a", encoding="utf-8") as stream:
            stream.write(json.dumps({"point": point.index, "row": row}, default=_plain) + "\n")
        if time.monotonic() - self.written_at >= WRITE_EVERY_S:
            self._write_tables()

    def close(self) -> None:
        """Bring the tables up to date (at the end, or on Ctrl-C) and drop the journal."""
        if os.path.exists(self.journal):
            self._write_tables()

    def _write_tables(self) -> None:
        if self.rows:
            import pandas as pd

            frame = pd.DataFrame([self.rows[i] for i in sorted(self.rows)])
            self._write(lambda path: frame.to_parquet(path, index=False), "points.parquet")
            self._write(lambda path: frame.to_csv(path, index=False), "points.csv")
        if os.path.exists(self.journal):
            os.unlink(self.journal)  # every row it held is in both tables now
        self.written_at = time.monotonic()

    def _write(self, writer, name: str) -> None:
        handle, temporary = tempfile.mkstemp(prefix=f".{name}.", dir=self.directory)
        os.close(handle)
        try:
            writer(temporary)
            os.replace(temporary, os.path.join(self.directory, name))
        except BaseException:
            if os.path.exists(temporary):
                os.unlink(temporary)
            raise

    def _write_text(self, name: str, text: str) -> None:
        def write(path: str) -> None:
            with open(path, "w", encoding="utf-8") as stream:
                stream.write(text)

        self._write(write, name)


def _plain(value):
    # numpy scalars (a count, a flag) as the Python numbers they hold
    return value.item()


def _key(values: dict, paths) -> tuple:
    from fabsim.analysis.sweep import cell_value

    return tuple(str(cell_value(str(values[p]))) for p in paths)
