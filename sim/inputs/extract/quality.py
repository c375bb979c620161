"""The data-quality figures of one import: what was read, dropped and why, and the totals.

The extract's aggregates (people and £ by client group and PB type) sit beside the figures
the council publishes (an expected-totals file), so an analyst sees at once whether the
extract is the whole caseload.  Nothing here names a person: only counts and codes.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from sim.errors import InputError
from sim.inputs.categories import CLIENT_GROUP, PB_TYPE
from sim.inputs.param_records import RecordError, split_records
from sim.inputs.toml_file import read_toml

TOTALS = ("people", "annual_cost")  # the expected-totals file's tables, each by PB type


@dataclass
class Quality:
    """Every figure of the data-quality report (counts, codes and sums; no person)."""

    extract: str
    mapping: str
    reference_date: str
    rows_read: int
    columns_read: list[str]
    columns_dropped: list[tuple[str, str]]          # (column, why)
    rows_dropped: Counter                           # reason -> rows
    people_found: int
    people_kept: int
    people_dropped: Counter                         # reason -> people
    unmapped: Counter                               # (field, column, code) -> rows
    implausible: Counter                            # field -> rows
    duplicates: int
    aggregates: pd.DataFrame = field(default_factory=pd.DataFrame)
    published: pd.DataFrame = field(default_factory=pd.DataFrame)
    rates: pd.DataFrame | None = None               # the event history's estimates
    events_dropped: dict = field(default_factory=dict)   # event rows (or people) left out

    def summary(self) -> list[tuple[str, object]]:
        """The headline figures, in the order the report and the command line show them."""
        return [("rows read", self.rows_read),
                ("rows dropped", sum(self.rows_dropped.values())),
                ("duplicate rows", self.duplicates),
                ("people found", self.people_found),
                ("people kept", self.people_kept),
                ("people dropped", sum(self.people_dropped.values())),
                ("unmapped codes (distinct)", len(self.unmapped)),
                ("rows with implausible values", sum(self.implausible.values())),
                ("annual budget of people kept (£)", round(float(
                    self.aggregates.loc[self.aggregates["client_group"] == "All", "annual_cost"]
                    .sum()), 2) if len(self.aggregates) else 0.0)]


def aggregates(people: pd.DataFrame) -> pd.DataFrame:
    """People and annual £ by client group and PB type, with totals ('All')."""
    rows = []
    for g in (*CLIENT_GROUP.codes, "All"):
        sel = people if g == "All" else people[people["client_group"] == g]
        for t in (*PB_TYPE.codes, "All"):
            cell = sel if t == "All" else sel[sel["pb_type"] == t]
            rows.append({"client_group": g if g == "All" else CLIENT_GROUP.label_of(g),
                         "pb_type": t if t == "All" else PB_TYPE.label_of(t),
                         "people": len(cell),
                         "annual_cost": round(float(cell["annual_budget"].sum()), 2)})
    return pd.DataFrame(rows)


def read_expected(path: str | Path) -> dict[str, dict[str, tuple[float, str]]]:
    """The expected-totals file: table -> PB type -> (value, source)."""
    raw = read_toml(path, "expected totals file")[0]
    try:
        _, records = split_records(raw)
    except RecordError as exc:
        raise InputError(f"{path}: {exc}") from None
    out: dict[str, dict[str, tuple[float, str]]] = {t: {} for t in TOTALS}
    for dotted, rec in records.items():
        table, _, code = dotted.partition(".")
        if table not in TOTALS or code not in PB_TYPE.codes:
            raise InputError(f"{path}: key '{dotted}': expected totals are "
                             f"{' or '.join(TOTALS)}.<PB type code> "
                             f"({', '.join(PB_TYPE.codes)})")
        out[table][code] = (float(rec.value), rec.source)
    return out


def beside_published(agg: pd.DataFrame, expected: dict) -> pd.DataFrame:
    """Each published figure beside the extract's, with the difference as a share."""
    rows = []
    for table, by_type in expected.items():
        for code, (value, source) in by_type.items():
            mine = agg[(agg["client_group"] == "All")
                       & (agg["pb_type"] == PB_TYPE.label_of(code))][table].iloc[0]
            rows.append({"figure": f"{'people' if table == 'people' else 'annual cost (£)'}, "
                         f"{PB_TYPE.label_of(code)}", "published": value, "extract": mine,
                         "difference": (mine - value) / value if value else float("nan"),
                         "source": source})
    return pd.DataFrame(rows)
