"""Validation of population tables: every problem found, each naming file, column and rows.

Rows are numbered as a spreadsheet user sees them: the header is row 1, so the
first person is row 2.  All problems are gathered into one PopulationError, so a
council analyst can fix a file in one pass.
"""
from __future__ import annotations

import difflib
import io
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from sim.categories import MAX_AGE, MIN_AGE
from sim.population import CODED, COLUMNS, PopulationError

SHOW_ROWS = 5


def _rows(mask: np.ndarray) -> str:
    """'rows 2, 5 and 9 (3 rows in all)' for the True entries of a mask."""
    where = np.flatnonzero(mask) + 2
    shown = ", ".join(str(r) for r in where[:SHOW_ROWS])
    more = f" and {len(where) - SHOW_ROWS} more" if len(where) > SHOW_ROWS else ""
    return f"row{'s' if len(where) > 1 else ''} {shown}{more} ({len(where)} in all)"


def read_table(path: Path) -> pd.DataFrame:
    """Read a CSV or .xlsx file as text columns; refuse anything unreadable, with the reason."""
    path = Path(path)
    if not path.exists():
        raise PopulationError(f"{path}: file not found")
    if path.is_dir():
        raise PopulationError(f"{path}: is a folder, not a population file")
    data = path.read_bytes()
    if not data.strip():
        raise PopulationError(f"{path}: the file is empty (no header, no rows)")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _read_xlsx(path, data)
    if data[:4] == b"PK\x03\x04" or b"\x00" in data[:4096]:
        raise PopulationError(f"{path}: not a CSV file (it looks binary{': a zip or Excel workbook' if data[:2] == b'PK' else ''}); "
                              "save the population as CSV (UTF-8) or .xlsx")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PopulationError(
            f"{path}: cannot be read as UTF-8 text (byte 0x{data[exc.start]:02x} at position "
            f"{exc.start}); save it as 'CSV UTF-8' from Excel") from None
    try:
        df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise PopulationError(f"{path}: not a readable CSV table ({str(exc).strip()})") from None
    return df


def _read_xlsx(path: Path, data: bytes) -> pd.DataFrame:
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise PopulationError(f"{path}: not a valid Excel workbook (.xlsx); save it again from "
                              "Excel, or as CSV (UTF-8)")
    try:
        df = pd.read_excel(io.BytesIO(data), dtype=str, keep_default_na=False, engine="openpyxl")
    except Exception as exc:  # openpyxl raises many kinds for a broken workbook
        raise PopulationError(f"{path}: not a readable Excel workbook ({exc})") from None
    return df.astype(str)


def validate_frame(df: pd.DataFrame, source: str) -> pd.DataFrame:
    """Check every column; return a clean frame with proper types or raise PopulationError."""
    df = df.copy()
    df.columns = [str(c).strip() for c in df.columns]
    problems = _check_columns(df, source)
    if problems:
        raise PopulationError("\n".join(problems))
    if len(df) == 0:
        raise PopulationError(f"{source}: the file has a header but no rows")
    out = pd.DataFrame(index=df.index)
    text = {c: df[c].astype(str).str.strip() for c in COLUMNS}
    for col in ("id", "team"):
        bad = (text[col] == "").to_numpy()
        if bad.any():
            problems.append(f"{source}: column '{col}' is empty in {_rows(bad)}")
        out[col] = text[col]
    dup = out["id"].duplicated(keep=False).to_numpy() & (text["id"] != "").to_numpy()
    if dup.any():
        problems.append(f"{source}: column 'id' has duplicate ids in {_rows(dup)} "
                        f"(e.g. '{out['id'][dup].iloc[0]}')")
    for col, lo, hi, integer in (("age", MIN_AGE, MAX_AGE, False), ("ras_points", 0, None, False),
                                 ("annual_budget", 0, None, False),
                                 ("months_since_review", 0, None, True)):
        out[col] = _number(text[col], source, col, lo, hi, integer, problems)
    for col, cat in CODED.items():
        norm = text[col].str.lower()
        bad = (~norm.isin(cat.codes)).to_numpy()
        if bad.any():
            first = text[col][bad].iloc[0]
            close = difflib.get_close_matches(first.lower().replace(" ", "_"), cat.codes, n=1, cutoff=0.5)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            problems.append(f"{source}: column '{col}' has unknown values in {_rows(bad)}, e.g. "
                            f"'{first}'{hint}; valid values: {', '.join(cat.codes)}")
        out[col] = norm
    if problems:
        raise PopulationError("\n".join(problems))
    out["months_since_review"] = out["months_since_review"].astype(np.int64)
    return out[list(COLUMNS)].reset_index(drop=True)


def _check_columns(df: pd.DataFrame, source: str) -> list[str]:
    problems = []
    missing = [c for c in COLUMNS if c not in df.columns]
    extra = [c for c in df.columns if c not in COLUMNS]
    for col in extra:
        close = difflib.get_close_matches(col.lower(), missing or list(COLUMNS), n=1, cutoff=0.6)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        problems.append(f"{source}: column '{col}' is not in the schema{hint}")
    if missing:
        problems.append(f"{source}: missing column{'s' if len(missing) > 1 else ''} "
                        f"{', '.join(repr(c) for c in missing)}; a population needs: "
                        f"{', '.join(COLUMNS)}")
    return problems


def _number(col_text: pd.Series, source: str, col: str, lo: float, hi: float | None,
            integer: bool, problems: list[str]) -> pd.Series:
    values = pd.to_numeric(col_text, errors="coerce")
    missing = (col_text == "").to_numpy()
    wrong = values.isna().to_numpy() & ~missing
    if missing.any():
        problems.append(f"{source}: column '{col}' is missing in {_rows(missing)}")
    if wrong.any():
        problems.append(f"{source}: column '{col}' must be a number, but {_rows(wrong)} "
                        f"{'is' if wrong.sum() == 1 else 'are'} not (e.g. '{col_text[wrong].iloc[0]}')")
    v = values.to_numpy(dtype=float)
    ok = ~np.isnan(v)
    low = ok & (v < lo)
    high = ok & (v > hi) if hi is not None else np.zeros(len(v), bool)
    if low.any() or high.any():
        span = f"between {lo} and {hi}" if hi is not None else f"at least {lo}"
        bad = low | high
        problems.append(f"{source}: column '{col}' must be {span}, but {_rows(bad)} "
                        f"{'is' if bad.sum() == 1 else 'are'} not (e.g. {v[bad][0]:g})")
    if integer:
        frac = ok & (np.floor(np.where(ok, v, 0)) != np.where(ok, v, 0))
        if frac.any():
            problems.append(f"{source}: column '{col}' must be a whole number in {_rows(frac)}")
    return values.astype(float)
