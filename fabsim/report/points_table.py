"""The files of a sweep: ``points.parquet`` and ``points.csv``, rewritten at each finished point.

Each write goes to a temporary file renamed over the old one, so the files
always hold every point finished so far and nothing half-written. Rows are
kept in point order, so a resumed sweep's table equals an uninterrupted
one. ``sweep.json`` records what the sweep is (spec, overrides, seed,
replications, window, points), so ``--resume`` can refuse a directory that
holds a different sweep.

Example:
    >>> table = PointsTable("out/sweep1", config)            # doctest: +SKIP
    >>> table.add(point, row)                                # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
import tempfile

from fabsim.experiment.points import Point
from fabsim.spec.errors import Problem, SpecError

FILES = ("points.parquet", "points.csv")


class PointsTable:
    """The rows of a sweep on disk, in point order; ``done`` holds the finished points."""

    def __init__(self, directory: str, config: dict, points: list[Point], resume: bool):
        self.directory = os.path.abspath(directory)
        self.points = points
        self.rows: dict[int, dict] = {}
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
        if not os.path.exists(path):
            return
        import pandas as pd

        frame = pd.read_parquet(path)
        by_values = {_key(p.values, p.values.keys()): p.index for p in self.points}
        paths = list(self.points[0].values) if self.points else []
        for record in frame.to_dict("records"):
            key = _key({p: record[p] for p in paths}, paths)
            if key in by_values:
                self.rows[by_values[key]] = record

    def add(self, point: Point, row: dict) -> None:
        """Record a finished point and rewrite both files."""
        self.rows[point.index] = row
        import pandas as pd

        frame = pd.DataFrame([self.rows[i] for i in sorted(self.rows)])
        self._write(lambda path: frame.to_parquet(path, index=False), "points.parquet")
        self._write(lambda path: frame.to_csv(path, index=False), "points.csv")

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


def _key(values: dict, paths) -> tuple:
    from fabsim.analysis.sweep import cell_value

    return tuple(str(cell_value(str(values[p]))) for p in paths)
