"""Months and financial years: the study calendar (months counted from the population's start)."""
from __future__ import annotations

import re
from typing import Annotated

import numpy as np
from pydantic import AfterValidator

# Plausible years for a care forecast: a typo such as "0000-01" or "2201-04" is refused.
FIRST_YEAR, LAST_YEAR = 2000, 2100
_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")


def check_month(text: str) -> str:
    """text if it is a real month 'YYYY-MM' in FIRST_YEAR..LAST_YEAR, else ValueError saying why."""
    m = _MONTH.fullmatch(text) if isinstance(text, str) else None
    if m is None:
        raise ValueError("must be a month written YYYY-MM, e.g. '2013-04'")
    year, month = int(m.group(1)), int(m.group(2))
    if not 1 <= month <= 12:
        raise ValueError(f"month {m.group(2)} is not a month (01 to 12)")
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"year {m.group(1)} is outside {FIRST_YEAR}-{LAST_YEAR}")
    return text


# A month 'YYYY-MM' as a pydantic field type.
Month = Annotated[str, AfterValidator(check_month)]


def month_index(start: str, when: str) -> int:
    """Months from start ('YYYY-MM') to when ('YYYY-MM')."""
    y0, m0 = map(int, start.split("-"))
    y1, m1 = map(int, when.split("-"))
    return (y1 - y0) * 12 + (m1 - m0)


def month_label(start: str, m: int) -> str:
    y0, m0 = map(int, start.split("-"))
    y, mm = divmod(y0 * 12 + (m0 - 1) + m, 12)
    return f"{y:04d}-{mm + 1:02d}"


def financial_year_of(start: str, m: int) -> str:
    """Financial year label ('2013/14', April to March) of month m after start."""
    y, mm = map(int, month_label(start, m).split("-"))
    first = y if mm >= 4 else y - 1
    return f"{first}/{(first + 1) % 100:02d}"


def first_full_year(month_fy: list[int], financial_years: list[str], go_live: int) -> str:
    """First financial year wholly after go-live and wholly inside the run (else the last):
    the year savings are judged in."""
    months = np.asarray(month_fy)
    for f, fy in enumerate(financial_years):
        idx = np.flatnonzero(months == f)
        if len(idx) == 12 and idx.min() >= go_live:
            return fy
    return financial_years[-1]
