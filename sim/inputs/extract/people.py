"""Service rows combined into people: one budget, one PB type, attributes that agree.

A person is kept only if every one of their rows was usable (duplicates aside) and their
rows agree on who they are; their budget is the sum of their rows' annual amounts and their
PB type follows the mapping's rule (a direct payment beside any other type: mixed).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.inputs.extract.rows import PERSON_FIELDS, Rows
from sim.inputs.schema import NUMBERS

DUPLICATE = "duplicate row"


@dataclass
class People:
    """The people kept (schema columns, raw key still in 'key') and why the others went."""

    frame: pd.DataFrame
    found: int
    dropped: Counter          # reason -> people


def combine_pb_types(types: pd.Series) -> str:
    """One person's PB type from their rows' types."""
    kinds = set(types)
    if "mixed" in kinds or ("direct_payment" in kinds and len(kinds) > 1):
        return "mixed"
    for kind in ("direct_payment", "commissioned"):
        if kind in kinds:
            return kind
    return "old_style"


def combine(rows: Rows) -> People:
    f = rows.frame
    f = f[f["reason"] != DUPLICATE]
    found = f.loc[f["key"] != "", "key"].nunique()
    order = pd.unique(f.loc[f["key"] != "", "key"])
    dropped: Counter = Counter()
    bad_rows = f[(f["reason"] != "") & (f["key"] != "")]
    first_reason = bad_rows.groupby("key", sort=False)["reason"].first()
    dropped.update(first_reason.to_numpy())
    good = f[(f["key"] != "") & ~f["key"].isin(first_reason.index)]
    groups = good.groupby("key", sort=False)
    disagree = _disagreements(groups)
    dropped.update(f"rows disagree on {d}" for d in disagree.to_numpy())
    good = good[~good["key"].isin(disagree.index)]
    people = _people(good)
    high = NUMBERS["annual_budget"].high
    over = people["annual_budget"] > high
    dropped.update(["implausible budget (over the schema's most a year)"] * int(over.sum()))
    people = people[~over]
    rank = {k: i for i, k in enumerate(order)}
    people = people.sort_values("key", key=lambda s: s.map(rank)).reset_index(drop=True)
    return People(people, int(found), dropped)


def _disagreements(groups) -> pd.Series:
    """key -> the first person field on which the person's rows differ."""
    n = groups[list(PERSON_FIELDS)].nunique(dropna=False)
    differs = n.gt(1)
    first = differs.idxmax(axis=1)
    return first[differs.any(axis=1)]


def _people(good: pd.DataFrame) -> pd.DataFrame:
    groups = good.groupby("key", sort=False)
    people = groups[list(PERSON_FIELDS)].first()
    people["annual_budget"] = groups["annual_amount"].sum().round(2)
    people["pb_type"] = groups["pb_type"].agg(combine_pb_types)
    people["months_since_review"] = people["months_since_review"].astype(np.int64)
    return people.reset_index()
