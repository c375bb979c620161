"""Tables as CSV files people open in a spreadsheet (results.xlsx: sim.outputs.workbook).

Labels come from input files (team and policy names, assumption sources), so text
that a spreadsheet would run as a formula is always stored as text.  Every file is
written to a temporary name and renamed into place.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from sim.atomic import atomic_path

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # OWASP's CSV injection starts


def inert(value: Any) -> Any:
    """Text a spreadsheet would run as a formula, prefixed with ' so it opens as text."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_START) else value


def write_csv(df: pd.DataFrame, path: Path) -> Path:
    """A table as CSV; labels from input files (in cells or headings) cannot become formulas
    when opened in Excel."""
    out = df.copy()
    out.columns = [inert(c) for c in out.columns]
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col].dtype):
            out[col] = out[col].map(inert)
    with atomic_path(path) as tmp:
        out.to_csv(tmp, index=False)
    return path
