"""The event history as time at risk: each person's years in each age band and how they left.

A person is observed from the window's start (or, if their history starts with an
assessment inside the window, from it) to their first exit (death, admission to residential care, other exit) or the extract's date; their
years at risk are split at the age-band edges (a Lexis split), so rates by age band use the
years actually lived in each band.  Only dates of birth and events are read, never kept.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.hints import nearest
from sim.inputs.categories import AGE_BAND, AGE_BAND_EDGES, CLIENT_GROUP
from sim.inputs.extract.mapping import Mapping, MappingError
from sim.inputs.extract.rows import DAYS_A_YEAR, parse_dates
from sim.inputs.table_file import cell_text
from sim.inputs.text import quoted

EXITS = ("death", "admission", "exit")


@dataclass
class AtRisk:
    """One row per person: client group code, years at risk by age band, how they left."""

    group: np.ndarray            # client group index
    years: np.ndarray            # (people, age bands) years at risk
    left: np.ndarray             # exit kind ('' if still open at the extract's date)
    left_band: np.ndarray        # age band at exit
    reviews: np.ndarray          # reviews while at risk
    window: tuple[str, str]
    rows_dropped: Counter

    @property
    def people(self) -> int:
        return len(self.group)


def check_event_columns(header: list[str], m: Mapping, where: str) -> list[str]:
    ev = m.events
    wanted = {ev.person_id: "events.person_id", ev.date_of_birth: "events.date_of_birth",
              ev.client_group.column: "events.client_group.column",
              ev.event.column: "events.event.column", ev.date: "events.date"}
    return [f"{where}: no column {quoted(c)} (mapping key '{k}'){nearest(c, header)}"
            for c, k in wanted.items() if c not in header]


def at_risk(df: pd.DataFrame, m: Mapping, where: str) -> AtRisk:
    """Years at risk and exits of every person in the event history."""
    ev, ref = m.events, pd.Timestamp(m.extract.reference_date)
    start = pd.Timestamp(ev.window_start)
    rows = pd.DataFrame({
        "key": df[ev.person_id].map(cell_text),
        "born": parse_dates(df[ev.date_of_birth], m.extract.date_format),
        "group": df[ev.client_group.column].map(cell_text).map(ev.client_group.values),
        "kind": df[ev.event.column].map(cell_text).map(ev.event.values),
        "date": parse_dates(df[ev.date], m.extract.date_format)})
    dropped: Counter = Counter()
    for reason, bad in (("no person identifier", rows["key"] == ""),
                        ("date of birth missing or unreadable", rows["born"].isna()),
                        ("unmapped client group code", rows["group"].isna()),
                        ("unmapped event code", rows["kind"].isna()),
                        ("event date missing or unreadable", rows["date"].isna()),
                        ("event after the extract's date", rows["date"] > ref)):
        n = int(bad.sum())
        if n:
            dropped[reason] += n
        rows = rows[~bad]
    if rows.empty:
        raise MappingError([f"{where}: no usable event in the window {start.date()} to "
                            f"{ref.date()}"])
    return _people(rows, start, ref, dropped)


def _people(rows: pd.DataFrame, start: pd.Timestamp, ref: pd.Timestamp,
            dropped: Counter) -> AtRisk:
    rows = rows.sort_values(["key", "date"], kind="stable")
    g = rows.groupby("key", sort=False)
    first = g.first()
    # at risk from the window's start, or from a first assessment inside it
    new = (first["kind"] == "assessment") & (first["date"] >= start)
    entry = first["date"].where(new, start)
    exits = rows[rows["kind"].isin(EXITS)].groupby("key").first()
    end = exits["date"].reindex(first.index).fillna(ref)
    left = exits["kind"].reindex(first.index).fillna("")
    keep = (end >= entry).to_numpy()
    if (~keep).any():
        dropped["people who left before the window"] += int((~keep).sum())
    reviews = rows[rows["kind"] == "review"].join(pd.DataFrame({"e": entry, "x": end}), on="key")
    reviews = reviews[(reviews["date"] >= reviews["e"]) & (reviews["date"] <= reviews["x"])]
    n_reviews = reviews.groupby("key").size().reindex(first.index).fillna(0).to_numpy()
    age_in = ((entry - first["born"]).dt.days / DAYS_A_YEAR).to_numpy()
    age_out = ((end - first["born"]).dt.days / DAYS_A_YEAR).to_numpy()
    group = first["group"].map(CLIENT_GROUP.code_of).to_numpy()
    return AtRisk(group[keep], band_years(age_in, age_out)[keep], left.to_numpy()[keep],
                  band_of(age_out)[keep], n_reviews[keep],
                  (str(start.date()), str(ref.date())), dropped)


def band_of(age: np.ndarray) -> np.ndarray:
    """Age band index (ages under 18 count in the first band)."""
    edges = np.asarray(AGE_BAND_EDGES[1:], dtype=float)
    return np.searchsorted(edges, age, side="right")


def band_years(age_in: np.ndarray, age_out: np.ndarray) -> np.ndarray:
    """(people, bands): years between age_in and age_out that fall in each band."""
    lo = np.array([-np.inf, *AGE_BAND_EDGES[1:]], dtype=float)
    hi = np.array([*AGE_BAND_EDGES[1:], np.inf], dtype=float)
    a, b = age_in[:, None], age_out[:, None]
    years = np.clip(np.minimum(b, hi) - np.maximum(a, lo), 0, None)
    assert years.shape[1] == len(AGE_BAND)
    return years
