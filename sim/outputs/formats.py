"""How numbers read in every output (the report, its figures and tables, the EIA document,
the terminal): money, shares, ratios and counts as plain text, one rule for each.  HTML
escapes the text it shows (sim.outputs.markup)."""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from sim.outputs.columns import COUNT, GBP, NUM1, PCT, RATIO


def pounds(x: float | None, _pos: int | None = None) -> str:
    """£ with k/m, e.g. £776k, -£1.2m; '–' when missing (also a matplotlib tick formatter)."""
    if x is None or not np.isfinite(x):
        return "–"
    sign, x = ("-" if x < 0 else ""), abs(float(x))
    if x >= 999_500:
        return f"{sign}£{x / 1e6:.2f}".rstrip("0").rstrip(".") + "m"
    if x >= 9_999.5:
        return f"{sign}£{x / 1e3:.0f}k"
    if x >= 999.5:
        return f"{sign}£{x / 1e3:.1f}".rstrip("0").rstrip(".") + "k"
    return f"{sign}£{x:.0f}"


def percent(x: float) -> str:
    """A share as people read it: one decimal under 10% (but not 0), whole numbers above."""
    return f"{x:.1%}" if 0 < abs(x) < 0.095 else f"{x:.0%}"


def missing(v: Any) -> bool:
    return v is None or v is pd.NA or (isinstance(v, (float, np.floating)) and np.isnan(v))


def fmt(v: Any, how: str) -> str:
    """One value as people read it: £, %, ratio, count or text; '–' when missing."""
    if missing(v):
        return "–"
    if isinstance(v, (bool, np.bool_)):
        return "yes" if v else "no"
    if how == GBP:
        return pounds(float(v))
    if how == PCT:
        return percent(float(v))
    if how == RATIO:
        return f"{float(v):.2f}"
    if how in (COUNT, NUM1):
        return f"{float(v):,.{0 if how == COUNT else 1}f}"
    return str(v)


def formatted(df: pd.DataFrame, how: str) -> pd.DataFrame:
    """Every column but the first formatted as `how` (for year and group pivots)."""
    out = df.copy()
    for c in out.columns[1:]:
        out[c] = [fmt(v, how) for v in out[c]]
    return out
