"""Service rows of an extract read through the mapping: each row's fields, or why not.

Every value is read as the schema wants it (codes translated, dates reduced to an age or to
months, amounts annualised); a row that cannot be read keeps the first reason, so the
quality report can count rows by reason and the people built from them can be dropped
whole (a person missing one service row would have too small a budget).
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sim.inputs.categories import MAX_AGE, MIN_AGE
from sim.inputs.extract.mapping import Coded, Mapping
from sim.inputs.schema import NUMBERS
from sim.inputs.table_file import cell_text

DAYS_A_YEAR = 365.25  # ages from dates of birth: the mean calendar year
PERSON_FIELDS = ("age", "sex", "ethnicity", "client_group", "team", "facs_band", "ras_points",
                 "months_since_review")


@dataclass
class Rows:
    """One row per service row: the raw identifier, the fields, and a reason ('' if usable)."""

    frame: pd.DataFrame
    unmapped: Counter = field(default_factory=Counter)      # (field, column, code) -> rows
    implausible: Counter = field(default_factory=Counter)   # field -> rows
    duplicates: int = 0


def parse_dates(values: pd.Series, fmt: str) -> pd.Series:
    """Dates in the mapping's format, or ISO (as a workbook's date cells read); NaT if neither."""
    text = values.map(cell_text)
    first = pd.to_datetime(text, format=fmt, errors="coerce")
    iso = pd.to_datetime(text.str.slice(0, 10), format="%Y-%m-%d", errors="coerce")
    return first.fillna(iso)


def whole_months(earlier: pd.Series, ref: dt.date) -> pd.Series:
    """Whole months from each date to the reference date (a month counts once its day comes)."""
    months = (ref.year - earlier.dt.year) * 12 + (ref.month - earlier.dt.month)
    return months - (earlier.dt.day > ref.day).astype(float)


def read_rows(df: pd.DataFrame, m: Mapping) -> Rows:
    """The extract's rows through the mapping (the columns are known to be present)."""
    out = Rows(pd.DataFrame({"key": df[m.extract.person_id].map(cell_text)}, index=df.index))
    out.frame["reason"] = np.where(out.frame["key"] == "", "no person identifier", "")
    used = list(m.columns())
    dup = df[used].map(cell_text).duplicated()
    out.duplicates = int(dup.sum())
    _reason(out, dup.to_numpy(), "duplicate row")
    _age(out, df, m)
    for name in ("sex", "ethnicity", "client_group", "facs_band", "pb_type", "team"):
        _coded(out, df, name, getattr(m.fields, name))
    _points(out, df, m)
    _budget(out, df, m)
    _review(out, df, m)
    return out


def _reason(out: Rows, bad: np.ndarray, reason: str) -> None:
    """Record reason for the rows still usable that fail (the first reason wins)."""
    free = out.frame["reason"].to_numpy() == ""
    out.frame.loc[bad & free, "reason"] = reason


def _implausible(out: Rows, name: str, values: pd.Series, low: float, high: float,
                 what: str) -> None:
    bad = (values.notna() & ((values < low) | (values > high))).to_numpy()
    live = bad & (out.frame["reason"].to_numpy() == "")
    if live.any():
        out.implausible[name] += int(live.sum())
    _reason(out, bad, f"implausible {what}")


def _age(out: Rows, df: pd.DataFrame, m: Mapping) -> None:
    spec, ref = m.fields.age, m.extract.reference_date
    if spec.date_of_birth:
        born = parse_dates(df[spec.date_of_birth], m.extract.date_format)
        age = ((pd.Timestamp(ref) - born).dt.days / DAYS_A_YEAR).round(1)
        _reason(out, born.isna().to_numpy(), "date of birth missing or unreadable")
    else:
        age = pd.to_numeric(df[spec.column].map(cell_text), errors="coerce")
        _reason(out, age.isna().to_numpy(), "age missing or not a number")
    _implausible(out, "age", age, MIN_AGE, MAX_AGE, f"age (not {MIN_AGE} to {MAX_AGE})")
    out.frame["age"] = age


def _coded(out: Rows, df: pd.DataFrame, name: str, spec: Coded) -> None:
    text = df[spec.column].map(cell_text)
    if spec.values is None:  # the team's own labels
        out.frame[name] = text
        _reason(out, (text == "").to_numpy(), f"{name} missing")
        return
    codes = text.map(spec.values)
    bad = codes.isna().to_numpy()
    live = bad & (out.frame["reason"].to_numpy() == "")
    out.unmapped.update((name, spec.column, c) for c in text[live])
    _reason(out, bad, f"unmapped {name} code")
    out.frame[name] = codes


def _numbers(df: pd.DataFrame, column: str) -> pd.Series:
    """Numbers as councils write them: '£1,234.50' and ' 12 ' read; anything else NaN."""
    text = df[column].map(cell_text).str.replace(r"[£,\s]", "", regex=True)
    return pd.to_numeric(text, errors="coerce")


def _points(out: Rows, df: pd.DataFrame, m: Mapping) -> None:
    points = _numbers(df, m.fields.ras_points.column)
    _reason(out, points.isna().to_numpy(), "RAS points missing or not a number")
    rng = NUMBERS["ras_points"]
    _implausible(out, "ras_points", points, rng.low, rng.high,
                 f"RAS points (not {rng.low:g} to {rng.high:g})")
    out.frame["ras_points"] = points


def _budget(out: Rows, df: pd.DataFrame, m: Mapping) -> None:
    spec = m.fields.annual_budget
    amount = _numbers(df, spec.amount)
    _reason(out, amount.isna().to_numpy(), "amount missing or not a number")
    if spec.period:
        text = df[spec.period].map(cell_text)
        per_year = text.map(spec.per_year)
        bad = per_year.isna().to_numpy()
        live = bad & (out.frame["reason"].to_numpy() == "")
        out.unmapped.update(("annual_budget", spec.period, c) for c in text[live])
        _reason(out, bad, "unmapped period code")
    else:
        per_year = pd.Series(next(iter(spec.per_year.values())), index=df.index)
    annual = amount * per_year
    _implausible(out, "annual_budget", annual, 0, NUMBERS["annual_budget"].high,
                 "amount (negative, or over the schema's most a year)")
    out.frame["annual_amount"] = annual


def _review(out: Rows, df: pd.DataFrame, m: Mapping) -> None:
    spec = m.fields.months_since_review
    if spec.last_review_date:
        when = parse_dates(df[spec.last_review_date], m.extract.date_format)
        months = whole_months(when, m.extract.reference_date)
        _reason(out, when.isna().to_numpy(), "last review date missing or unreadable")
    else:
        months = _numbers(df, spec.column)
        _reason(out, months.isna().to_numpy(), "months since review missing or not a number")
    rng = NUMBERS["months_since_review"]
    _implausible(out, "months_since_review", months, rng.low, rng.high,
                 "months since review (after the extract's date, or before adulthood)")
    out.frame["months_since_review"] = months
