"""How money reads in the report, its figures and its tables: one rule for every output."""
from __future__ import annotations

import numpy as np


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
