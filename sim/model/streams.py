"""Random streams of a replicate: one seed per process, thinned monthly draws, review draws.

Each random process reads its own stream (a SeedSequence spawned by replicate, then by
process), so switching one process off or drawing more from it leaves the others'
numbers unchanged, and every policy reads the same numbers (common random numbers).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

STREAMS: tuple[str, ...] = (
    "arrivals", "death", "residential", "other_exit", "need", "reviews", "choice", "practice",
    "review_events", "eligibility", "residential_death",
)


def streams(seed: np.random.SeedSequence) -> dict[str, np.random.SeedSequence]:
    """One seed per random process, spawned in a fixed order."""
    return dict(zip(STREAMS, seed.spawn(len(STREAMS))))


@dataclass
class Events:
    """Person-months whose uniform draw fell below `bound`, in (month, slot) order.

    A monthly event with probability h <= bound happens exactly when a uniform draw
    falls below h; draws at or above `bound` can never cause one, so only those
    below it are drawn (thinning): the positions of a Bernoulli(bound) process by
    geometric gaps, then each draw uniform on [0, bound).  The same law as a full
    (months x people) matrix of uniforms, at a few per cent of the cost.
    """

    month: np.ndarray           # int32, ascending
    slot: np.ndarray            # int32, ascending within a month
    u: np.ndarray               # float64 in [0, bound)
    starts: np.ndarray          # (T + 1,) events of month m are [starts[m], starts[m + 1])

    def of_month(self, m: int) -> slice:
        """Positions of month m's events."""
        return slice(self.starts[m], self.starts[m + 1])

    def subset(self, keep: np.ndarray) -> Events:
        """The events flagged by `keep` (a mask over the events)."""
        n_months = len(self.starts) - 1
        month = self.month[keep]
        return Events(month, self.slot[keep], self.u[keep],
                      np.searchsorted(month, np.arange(n_months + 1), side="left"))

    def lookup(self) -> dict[tuple[int, int], float]:
        """{(month, slot): draw} for person-by-person reading (the reference model)."""
        return {(int(m), int(s)): float(u) for m, s, u in zip(self.month, self.slot, self.u)}


def thinned(rng: np.random.Generator, n_months: int, cap: int, bound: float) -> Events:
    """The draws below `bound` of a (n_months, cap) field of monthly uniforms."""
    n, bound = n_months * cap, min(float(bound), 1.0)
    pos = np.empty(0, np.int64)
    if bound > 0.0 and n > 0:
        mean = n * bound
        block = int(mean + 6.0 * np.sqrt(mean)) + 64
        parts, last = [], -1
        while last < n - 1:
            p = last + np.cumsum(rng.geometric(bound, block), dtype=np.int64)
            parts.append(p)
            last = int(p[-1])
        pos = np.concatenate(parts)
        pos = pos[pos < n]
    u = bound * rng.random(len(pos))
    month, slot = np.divmod(pos, cap) if cap else (pos, pos)
    starts = np.searchsorted(month, np.arange(n_months + 1), side="left")
    return Events(month.astype(np.int32), slot.astype(np.int32), u, starts)


class ReviewStream:
    """Random numbers for reviews, consumed in (month, slot) order as reviews happen.

    Only reviewed person-months need a PB-type choice and a next interval, so these
    are read from a stream rather than a (months x people) matrix.  Blocks of a fixed
    size make the sequence independent of how many values each `take` asks for, so
    the fast path (a month at a time) and the reference (a person at a time) read
    identical numbers.
    """

    BLOCK = 4096

    def __init__(self, seed: np.random.SeedSequence) -> None:
        self._rng = np.random.default_rng(seed)
        self._buf = np.empty((3, 0))
        self._pos = 0

    def take(self, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(u_switch, u_choice, z_interval) for the next k reviews."""
        short = self._pos + k - self._buf.shape[1]
        if short > 0:
            blocks = [self._buf[:, self._pos:]]
            for _ in range(-(-short // self.BLOCK)):
                block = np.empty((3, self.BLOCK))
                block[:2] = self._rng.random((2, self.BLOCK))
                block[2] = self._rng.standard_normal(self.BLOCK)
                blocks.append(block)
            self._buf = np.concatenate(blocks, axis=1)
            self._pos = 0
        out = self._buf[:, self._pos:self._pos + k]
        self._pos += k
        return out[0], out[1], out[2]
