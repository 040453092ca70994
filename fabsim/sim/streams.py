"""Random streams: one numpy Generator per (seed, replication, step, machine, purpose).

Keys are stable, so two scenarios that share a step share its streams
(common random numbers), and results never depend on which process or
executor ran the replication. Durations are drawn in blocks of up to 1,024:
a numpy call per block instead of one per cycle.

Example:
    >>> rng = stream(1, 0, "s1", 0, "cycle")
    >>> draw = duration_sampler({"dist": "exponential", "mean": 2.0}, rng)
    >>> block = draw()
    >>> len(block) > 0 and all(x >= 0 for x in block)
    True
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable

import numpy as np

PURPOSES = ("cycle", "yield", "failure", "repair", "setup", "defects")
"""The streams every machine has."""
_KEYS = (*PURPOSES, "scrap")  # new purposes go last: existing streams keep their keys


def stream(seed: int, replication: int, step_id: str, machine: int, purpose: str):
    """The Generator for one purpose of one machine in one replication."""
    digest = hashlib.blake2b(step_id.encode(), digest_size=8).digest()
    step_key = int.from_bytes(digest, "little")
    key = (replication, step_key, machine, _KEYS.index(purpose))
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=key)))


def constant_value(dist) -> float | None:
    """The fixed duration of a distribution that never varies, else None."""
    if dist.dist == "constant":
        return dist.value
    if dist.dist == "lognormal" and dist.cv == 0:
        return dist.mean
    if dist.dist == "normal" and dist.sd == 0:
        return dist.mean
    if dist.dist == "empirical" and len(set(dist.values)) == 1:
        return dist.values[0]
    return None


def duration_sampler(dist, rng: np.random.Generator) -> Callable[[], list[float]]:
    """A function returning the next block of draws (hours) as a Python list.

    Blocks grow from 16 to 1,024 draws so that slow machines (a 14-day aging
    rack) do not draw thousands of values they will never use.
    """
    if isinstance(dist, dict):
        from fabsim.spec.models import Distribution  # noqa: F401 - for doctests only

        dist = _as_model(dist)
    draw_n = _block_drawer(dist, rng)
    size = [16]

    def next_block() -> list[float]:
        n = size[0]
        size[0] = min(n * 2, 1024)
        return draw_n(n).tolist()

    return next_block


def _block_drawer(dist, rng: np.random.Generator) -> Callable[[int], np.ndarray]:
    kind = dist.dist
    if kind == "constant":
        return lambda n: np.full(n, dist.value)
    if kind == "exponential":
        return lambda n: rng.exponential(dist.mean, n)
    if kind == "lognormal":
        sigma2 = math.log1p(dist.cv**2)
        mu = math.log(dist.mean) - sigma2 / 2
        return lambda n: rng.lognormal(mu, math.sqrt(sigma2), n)
    if kind == "normal":

        def truncated(n: int) -> np.ndarray:
            out = rng.normal(dist.mean, dist.sd, n)
            bad = out < 0
            while bad.any():  # redraw negatives: normal truncated at zero
                out[bad] = rng.normal(dist.mean, dist.sd, int(bad.sum()))
                bad = out < 0
            return out

        return truncated
    if kind == "triangular":
        return lambda n: rng.triangular(dist.low, dist.mode, dist.high, n)
    if kind == "uniform":
        return lambda n: rng.uniform(dist.low, dist.high, n)
    if kind == "empirical":
        values = np.asarray(dist.values, dtype=float)
        return lambda n: rng.choice(values, n)
    raise ValueError(f"unknown distribution {kind!r}")


def _as_model(raw: dict):
    from pydantic import TypeAdapter

    from fabsim.spec.models import Distribution

    return TypeAdapter(Distribution).validate_python(
        {k: (f"{v} h" if isinstance(v, float | int) and k != "cv" else v) for k, v in raw.items()}
    )


def one_at_a_time(next_block: Callable[[], list[float]]) -> Callable[[], float]:
    """One draw per call, served from the blocks ``next_block`` returns.

    Example:
        >>> draw = one_at_a_time(lambda: [1.0, 2.0])
        >>> draw(), draw(), draw()
        (1.0, 2.0, 1.0)
    """
    return Durations(next_block).one


class Durations:
    """Draws served from blocks: one at a time, or the sum of the next ``n``.

    Example:
        >>> durations = Durations(lambda: [1.0, 2.0, 4.0])
        >>> durations.one(), durations.sum(3)
        (1.0, 7.0)
    """

    __slots__ = ("next_block", "block")

    def __init__(self, next_block: Callable[[], list[float]]):
        self.next_block = next_block
        self.block: list[float] = []  # reversed: the next draw is last

    def one(self) -> float:
        block = self.block
        if not block:
            block = self.block = self.next_block()[::-1]
        return block.pop()

    def sum(self, n: int) -> float:
        """The next ``n`` draws added in order (a transfer lot's processing time).

        The same float as adding ``one()`` ``n`` times: ``sum`` adds left to right.
        """
        block = self.block
        if len(block) < n:
            total = self.one()
            for _ in range(n - 1):
                total += self.one()
            return total
        chunk = block[-n:]
        del block[-n:]
        chunk.reverse()
        return sum(chunk)


class Draws:
    """Cheap scalar draws from one stream: uniforms served from a block.

    A numpy call per scalar costs a microsecond or more; small binomials
    (the usual case: a few units per cycle) are counted from block uniforms.

    Example:
        >>> draws = Draws(stream(1, 0, "s", 0, "yield"))
        >>> 0 <= draws.binomial(10, 0.5) <= 10
        True
    """

    __slots__ = ("rng", "block", "i")

    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        self.block: list[float] = []
        self.i = 0

    def uniform(self) -> float:
        i = self.i
        if i == len(self.block):
            self.block = self.rng.random(1024).tolist()
            i = 0
        self.i = i + 1
        return self.block[i]

    def binomial(self, n: int, p: float) -> int:
        """Successes in ``n`` trials of probability ``p``."""
        if n == 1:  # the common case (a unit per cycle): one uniform, as below
            return 1 if self.uniform() < p else 0
        if n > 16:
            return int(self.rng.binomial(n, p))
        i = self.i
        if i + n > len(self.block):
            self.block = self.rng.random(1024).tolist()
            i = 0
        self.i = i + n
        hits = 0
        for u in self.block[i : i + n]:
            if u < p:
                hits += 1
        return hits

    def geometric(self, p: float) -> int:
        """Trials up to and including the first success of probability ``p`` (>= 1)."""
        return 1 + int(math.log(1.0 - self.uniform()) / math.log1p(-p)) if p < 1.0 else 1
