"""Probability distributions of uncertain inputs, written as data.

A distribution is a TOML table such as ``{ kind = "beta", alpha = 8, beta = 2 }``.  It is
turned into a frozen scipy distribution once, validated, and sampled only through its
inverse CDF (``ppf``) of uniforms, so that one stream of uniforms per replicate (or a
sensitivity design's unit hypercube) gives the values, whatever the kind.

Optional ``low`` / ``high`` truncate any kind to that interval (needed for a lognormal or
gamma on a bounded parameter: an unbounded support is refused by the parameter's bounds).
``uniform`` with ``low == high`` is a point: it always returns that value exactly.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import special

from sim.errors import InputError
from sim.hints import nearest


def _stats():
    """scipy.stats on first use: it costs a worker ~35 MB and half a second to import, and the
    replicates themselves only need the inverse CDFs below (scipy.special)."""
    from scipy import stats
    return stats


class DistributionError(InputError):
    """A distribution that cannot be used; the message names it and says why."""


def _beta(p: dict[str, float]):
    lo, hi = p.get("low", 0.0), p.get("high", 1.0)
    return _stats().beta(p["alpha"], p["beta"], loc=lo, scale=hi - lo), ("low", "high")


def _gamma(p: dict[str, float]):
    return _stats().gamma(p["shape"], scale=p["scale"]), ()


def _lognormal(p: dict[str, float]):
    return _stats().lognorm(p["sigma"], scale=p["median"]), ()


def _normal(p: dict[str, float]):
    return _stats().norm(p["mean"], p["sd"]), ()


def _uniform(p: dict[str, float]):
    return _stats().uniform(p["low"], p["high"] - p["low"]), ("low", "high")


def _triangular(p: dict[str, float]):
    lo, mode, hi = p["low"], p["mode"], p["high"]
    width = hi - lo
    c = (mode - lo) / width if width > 0 else 0.5
    return _stats().triang(c, loc=lo, scale=width), ("low", "high")


def _triangular_ppf(p: dict[str, float], q: np.ndarray) -> np.ndarray:
    lo, mode, hi = p["low"], p["mode"], p["high"]
    c = (mode - lo) / (hi - lo)
    return np.where(q < c, lo + np.sqrt(q * (hi - lo) * (mode - lo)),
                    hi - np.sqrt((1 - q) * (hi - lo) * (hi - mode)))


# Inverse CDFs in closed form or by one special function: a replicate draws every parameter,
# and scipy's generic frozen ppf costs about half a millisecond a call.
_PPF = {
    "beta": lambda p, q: p.get("low", 0.0) + (p.get("high", 1.0) - p.get("low", 0.0))
    * special.betaincinv(p["alpha"], p["beta"], q),
    "gamma": lambda p, q: p["scale"] * special.gammaincinv(p["shape"], q),
    "lognormal": lambda p, q: p["median"] * np.exp(p["sigma"] * special.ndtri(q)),
    "normal": lambda p, q: p["mean"] + p["sd"] * special.ndtri(q),
    "uniform": lambda p, q: p["low"] + q * (p["high"] - p["low"]),
    "triangular": _triangular_ppf,
}


# kind: (required parameters, optional parameters, positive parameters, builder).  For
# beta, uniform and triangular `low`/`high` are the support itself, not a truncation.
KINDS: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], Any]] = {
    "beta": (("alpha", "beta"), ("low", "high"), ("alpha", "beta"), _beta),
    "gamma": (("shape", "scale"), ("low", "high"), ("shape", "scale"), _gamma),
    "lognormal": (("median", "sigma"), ("low", "high"), ("median", "sigma"), _lognormal),
    "normal": (("mean", "sd"), ("low", "high"), ("sd",), _normal),
    "uniform": (("low", "high"), (), (), _uniform),
    "triangular": (("low", "mode", "high"), (), (), _triangular),
}


@dataclass(frozen=True)
class Distribution:
    """A validated distribution, sampled by its inverse CDF."""

    kind: str
    params: tuple[tuple[str, float], ...]
    _frozen: Any
    _cdf_range: tuple[float, float]  # CDF at the truncation points (0, 1 when untruncated)

    def ppf(self, u: np.ndarray | float) -> np.ndarray:
        """Values at the uniforms u (0 to 1), truncation included."""
        u = np.asarray(u, dtype=np.float64)
        lo, hi = self._cdf_range
        if self.is_point:  # exactly the value: a zero-width distribution reproduces a fixed run
            return np.full(u.shape, self.support[0])
        x = _PPF[self.kind](dict(self.params), lo + u * (hi - lo))
        return np.clip(np.asarray(x, dtype=np.float64), *self.support)  # rounding at the ends

    @property
    def support(self) -> tuple[float, float]:
        """Smallest and largest value the distribution can return."""
        d = dict(self.params)
        if self.kind == "uniform":      # scipy has no support for a zero-width uniform
            return d["low"], d["high"]
        lo, hi = self._frozen.support()
        return max(lo, d.get("low", -math.inf)), min(hi, d.get("high", math.inf))

    @property
    def is_point(self) -> bool:
        """A zero-width distribution: always the one value."""
        lo, hi = self.support
        return lo == hi

    @property
    def median(self) -> float:
        return float(self.ppf(0.5))

    def describe(self) -> str:
        """E.g. 'beta(alpha=8, beta=2)'."""
        return f"{self.kind}({', '.join(f'{k}={v:g}' for k, v in self.params)})"


def _numbers(spec: dict[str, Any], where: str) -> dict[str, float]:
    out = {}
    for key, value in spec.items():
        if key == "kind":
            continue
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise DistributionError(f"{where}: distribution parameter {key!r} must be a finite "
                                    f"number (got {value!r})")
        out[key] = float(value)
    return out


def parse_distribution(spec: Any, where: str) -> Distribution:
    """A Distribution from its TOML table; errors name `where` (the parameter's dotted path)."""
    if not isinstance(spec, dict) or "kind" not in spec:
        raise DistributionError(f"{where}: a distribution is a table with a 'kind' "
                                f"(one of {', '.join(KINDS)}), got {spec!r}")
    kind = spec["kind"]
    if kind not in KINDS:
        raise DistributionError(f"{where}: unknown distribution kind {kind!r}"
                                f"{nearest(str(kind), list(KINDS))}")
    required, optional, positive, build = KINDS[kind]
    p = _numbers(spec, where)
    missing = [k for k in required if k not in p]
    unknown = [k for k in p if k not in required + optional]
    if missing or unknown:
        raise DistributionError(f"{where}: {kind} needs {', '.join(required)}"
                                f"{' (optional ' + ', '.join(optional) + ')' if optional else ''}"
                                f"; missing {missing}, unknown {unknown}")
    bad = [k for k in positive if p[k] <= 0]
    if bad:
        raise DistributionError(f"{where}: {kind} parameter(s) {', '.join(bad)} must be above 0")
    if "low" in p and "high" in p and p["low"] > p["high"]:
        raise DistributionError(f"{where}: low {p['low']:g} is above high {p['high']:g}")
    if kind == "triangular" and not p["low"] <= p["mode"] <= p["high"]:
        raise DistributionError(f"{where}: triangular needs low <= mode <= high")
    frozen, own_bounds = build(p)
    truncation = [k for k in ("low", "high") if k in p and k not in own_bounds]
    lo = float(frozen.cdf(p["low"])) if "low" in truncation else 0.0
    hi = float(frozen.cdf(p["high"])) if "high" in truncation else 1.0
    if truncation and hi - lo <= 0:
        raise DistributionError(f"{where}: the truncation [low, high] holds none of the "
                                f"{kind}'s probability")
    params = tuple((k, p[k]) for k in required + optional if k in p)
    return Distribution(kind, params, frozen, (lo, hi))
