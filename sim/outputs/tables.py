"""Tables as files people open in a spreadsheet: CSV and an Excel workbook.

Labels come from input files (team and policy names, assumption sources), so text
that a spreadsheet would run as a formula is always stored as text.  Every file is
written to a temporary name and renamed into place.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook

from sim.atomic import atomic_path

FORMULA_START = ("=", "+", "-", "@")
EXCEL_MAX_CHARS = 32_767
EXCEL_MAX_SHEET_NAME = 31


def _inert(value: Any) -> Any:
    """Text a spreadsheet would run as a formula, prefixed with ' so it opens as text."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_START) else value


def write_csv(df: pd.DataFrame, path: Path) -> Path:
    """A table as CSV; labels from input files cannot become formulas when opened in Excel."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col].dtype):
            out[col] = out[col].map(_inert)
    with atomic_path(path) as tmp:
        out.to_csv(tmp, index=False)
    return path


def _cell(value: Any) -> Any:
    """A value openpyxl can store: numpy scalars unwrapped, missing as empty, inf as text."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if np.isnan(value) else (float(value) if np.isfinite(value) else str(value))
    if value is None or value is pd.NA:
        return None
    if isinstance(value, str):
        return value[:EXCEL_MAX_CHARS]
    return str(value)[:EXCEL_MAX_CHARS]


def write_workbook(sheets: dict[str, pd.DataFrame], path: Path) -> Path:
    """Every table as a sheet; text that looks like a formula is stored as text."""
    wb = Workbook()
    wb.remove(wb.active)
    for name, df in sheets.items():
        ws = wb.create_sheet(name[:EXCEL_MAX_SHEET_NAME])
        ws.append([_cell(str(c)) for c in df.columns])
        for row in df.itertuples(index=False):
            ws.append([_cell(v) for v in row])
        for cells in ws.iter_rows():
            for cell in cells:
                if isinstance(cell.value, str) and cell.value.startswith(FORMULA_START):
                    cell.data_type = "s"      # a string, never a formula
                    cell.quotePrefix = True   # and Excel shows it as typed text
    with atomic_path(path) as tmp:
        wb.save(tmp)
    return path
